// How an app's containers run: Docker's own health check, whose timeout an app may widen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { containerSpec } from "../../../render/app/container-spec";
import { validateConfig } from "../../../config/validate";
import { prodConfig } from "../../support/prod-stack";

function appWith(release: Record<string, unknown>) {
    const raw = prodConfig() as any;
    raw.apps[0].release = { ...(raw.apps[0].release ?? {}), ...release };
    return validateConfig(raw).apps[0];
}

test("docker run's health flags by default: --health-timeout=2s, --health-interval=2s, --health-retries=3", () => {
    const args = containerSpec(appWith({}), "backend", "mhylle").runArgs;
    assert.ok(args.includes("--health-timeout=2s"), args.join(" "));
    assert.ok(args.includes("--health-interval=2s") && args.includes("--health-retries=3"), args.join(" "));
});

test("release.healthCheckTimeoutSeconds sets --health-timeout in both services' docker run flags", () => {
    const app = appWith({ healthCheckTimeoutSeconds: 10 });
    for (const kind of ["frontend", "backend"] as const) {
        const args = containerSpec(app, kind, "mhylle").runArgs;
        assert.ok(args.includes("--health-timeout=10s"), args.join(" "));
        assert.ok(!args.includes("--health-timeout=2s"));
    }
});

test("a health check timeout outside 1..30 s is refused, naming the field", () => {
    assert.throws(() => appWith({ healthCheckTimeoutSeconds: 0 }), /apps\[0\]\.release\.healthCheckTimeoutSeconds/);
    assert.throws(() => appWith({ healthCheckTimeoutSeconds: 31 }), /apps\[0\]\.release\.healthCheckTimeoutSeconds/);
});
