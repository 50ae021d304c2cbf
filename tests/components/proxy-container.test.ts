// Under mocks: adding apps, routes or headers changes only the config command, never the
// mhylle-nginx container's inputs (a change there would recreate it: downtime).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderStack } from "../support/render";

const app = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` },
    ...extra,
});

type Listed = { type: string; name: string; inputs: Record<string, unknown> };

/** `npm run render` with a config file (its own process: Pulumi's mock runtime is once per process). */
function render(dir: string, config: Record<string, unknown>): Listed[] {
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify(config));
    const r = renderStack(["--config", file]);
    try {
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(fs.readFileSync(path.join(r.out, "resources.json"), "utf8"));
    } finally {
        fs.rmSync(r.out, { recursive: true, force: true });
    }
}

test("the nginx container's inputs are identical for a 1-app and a 3-app config", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxytest-"));
    try {
        const one = render(fs.mkdtempSync(path.join(tmp, "a")), { apps: [app("app1")] });
        const three = render(fs.mkdtempSync(path.join(tmp, "b")), {
            proxy: { csp: "default-src 'none'" },
            apps: [app("app1", { proxy: { readTimeoutSeconds: 300, clientMaxBodySize: "50m" } }), app("app2", { routePrefix: "/two" }), app("app3", { frontend: { image: "ghcr.io/x/f:2", keepPrefix: false } })],
        });
        const nginx = (rs: Listed[]) => rs.find((r) => r.type === "docker:index/container:Container" && r.name === "mhylle-nginx");
        assert.ok(nginx(one) && nginx(three), `no mhylle-nginx among ${one.map((r) => r.name).join(", ")}`);
        assert.deepEqual(nginx(three)!.inputs, nginx(one)!.inputs);
        // Published: 80, 443 and the status page's own origin (monitoring.page, on by default); the
        // stub_status port (proxy.statusPort, 8081) stays inside.
        const ports = nginx(one)!.inputs.ports as { internal: number; external: number }[];
        assert.deepEqual(ports.map((p) => p.internal).sort(), [443, 80, 8443]);
        assert.ok(!ports.some((p) => p.internal === 8081 || p.external === 8081), JSON.stringify(ports));
        // The change went somewhere: the config command's file bundle.
        const config = (rs: Listed[]) => rs.find((r) => r.name === "proxy-config")!.inputs;
        assert.notDeepEqual(config(three).stdin, config(one).stdin);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
});
