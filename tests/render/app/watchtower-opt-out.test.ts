// An app container is Watchtower's only when its app opted in (apps[].watchtower): an image that
// carries Watchtower's labels itself cannot opt its containers in (issue 23, item 13's sibling).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { containerSpec } from "../../../render/app/container-spec";
import { validateConfig } from "../../../config/validate";
import { WATCHTOWER_ENABLE, WATCHTOWER_SCOPE } from "../../../config/naming";
import { prodConfig } from "../../support/prod-stack";
import { needs } from "../../support/requirements";

const SCOPE = "mhylle";
const app = (watchtower: boolean) => {
    const raw = prodConfig() as any;
    raw.apps[0].watchtower = watchtower;
    return validateConfig(raw).apps[0];
};
const labelArgs = (args: readonly string[]) => args.filter((a) => a.startsWith("--label=com.centurylinklabs.watchtower."));
const docker = (args: string[], input?: string) => spawnSync("docker", args, { encoding: "utf8", input, timeout: 120_000 });

test("an app that did not opt in labels its containers Watchtower-disabled; one that did, enabled in the platform's scope", () => {
    for (const kind of ["frontend", "backend"] as const) {
        assert.deepEqual(labelArgs(containerSpec(app(false), kind, SCOPE).runArgs), [`--label=${WATCHTOWER_ENABLE}=false`]);
        assert.deepEqual(labelArgs(containerSpec(app(true), kind, SCOPE).runArgs), [`--label=${WATCHTOWER_ENABLE}=true`, `--label=${WATCHTOWER_SCOPE}=${SCOPE}`]);
    }
});

test("on Docker: an image labelled for Watchtower's scope gives a container that did not opt in the label false", { skip: needs("docker") }, (t) => {
    const base = "local/platform-rootfs:latest";
    if (docker(["image", "inspect", base]).status !== 0) return t.skip(`needs the image ${base} (tests/support/images/build.sh)`);
    const tag = `watchtower-opt-out-test:${process.pid}`;
    const built = docker(["build", "-q", "-t", tag, "-"], `FROM ${base}\nLABEL ${WATCHTOWER_ENABLE}=true ${WATCHTOWER_SCOPE}=${SCOPE}\n`);
    assert.equal(built.status, 0, built.stderr);
    const made: string[] = [];
    t.after(() => {
        if (made.length) docker(["rm", "-f", ...made]);
        docker(["rmi", "-f", tag]);
    });
    const labelOf = (args: string[]) => {
        const c = docker(["create", ...args, tag, "true"]);
        assert.equal(c.status, 0, c.stderr);
        made.push(c.stdout.trim());
        return docker(["inspect", "-f", `{{index .Config.Labels "${WATCHTOWER_ENABLE}"}}`, c.stdout.trim()]).stdout.trim();
    };
    // Control: without the platform's label the container inherits the image's opt-in.
    assert.equal(labelOf([]), "true");
    assert.equal(labelOf(labelArgs(containerSpec(app(false), "backend", SCOPE).runArgs)), "false");
});
