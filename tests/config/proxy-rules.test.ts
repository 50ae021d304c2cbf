// Field-named validation of the proxy's config: one failing case per rule.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { validateConfig } from "../../config/validate";
import { ConfigError } from "../../config/problem";

const app = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` },
    ...extra,
});

function problems(raw: Record<string, unknown>) {
    try {
        validateConfig(raw);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.map((p) => `${p.field}: ${p.problem}`);
    }
}

test("defaults are valid and give the status server port 8081", () => {
    assert.equal(validateConfig({ apps: [app("app1")] }).proxy.statusPort, 8081);
});

test("proxy.statusPort may not be nginx's own 80 or 443", () => {
    assert.match(problems({ proxy: { statusPort: 443 } }).join("\n"), /^proxy\.statusPort: collides with nginx's own 80\/443/m);
});

test("proxy.csp and apps[].proxy.csp refuse characters that would break out of the header", () => {
    assert.match(problems({ proxy: { csp: 'default-src "self"' } }).join("\n"), /^proxy\.csp: must be printable ASCII/m);
    assert.match(problems({ apps: [app("app1", { proxy: { csp: "default-src $host" } })] }).join("\n"), /^apps\[0\]\.proxy\.csp: must be printable ASCII/m);
});

test("apps[].proxy.clientMaxBodySize must be an nginx size", () => {
    assert.match(problems({ apps: [app("app1", { proxy: { clientMaxBodySize: "10 MB" } })] }).join("\n"), /^apps\[0\]\.proxy\.clientMaxBodySize: must be an nginx size/m);
});

test("aliases may not repeat the domain", () => {
    assert.match(problems({ domain: "example.com", aliases: ["example.com"] }).join("\n"), /^aliases\[0\]: repeats a domain/m);
});

test("an app may not claim a path nginx answers itself", () => {
    assert.match(problems({ apps: [app("app1", { routePrefix: "/health" })] }).join("\n"), /^apps\[0\]\.routePrefix: route prefix \/health overlaps the reserved path/m);
});
