// `nginx -t` accepts the rendered config for 1, 2 and 20 apps (bootstrap certificate and
// placeholder upstreams from the real delivery script, nginx not running yet).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { needs } from "../../support/requirements";
import * as h from "../../support/nginx";
import { mainConfig } from "../../../render/nginx/layout";

const skip = needs("nginx", "openssl", "root");

for (const count of [1, 2, 20]) {
    test(`nginx -t passes for ${count} app(s)`, { skip }, async () => {
        const sb = await h.sandbox();
        try {
            const apps = Array.from({ length: count }, (_, i) => h.app(`app${i + 1}`, i % 3 === 1 ? { frontend: { image: "ghcr.io/x/f:1", keepPrefix: false } } : {}));
            const cfg = h.config({ domain: "example.test", aliases: ["www.example.test"], server: { memoryMb: 65536 }, apps });
            const d = h.deliver(sb, cfg);
            assert.equal(d.status, 0, d.stderr);
            const t = spawnSync("nginx", ["-t", "-c", mainConfig(sb.options.paths.config)], { encoding: "utf8" });
            assert.equal(t.status, 0, t.stderr);
            assert.match(t.stderr, /test is successful/);
        } finally {
            h.cleanup(sb);
        }
    });
}
