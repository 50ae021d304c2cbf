// `nginx -t` on production's nginx line (local/nginx:1.30) accepts the rendered config for 1, 2
// and 20 apps (bootstrap certificate and placeholder upstreams from the real delivery script, nginx
// not running yet), and the production rendering draws no warning but the expected one.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);

for (const count of [1, 2, 20]) {
    test(`nginx -t passes for ${count} app(s)`, { skip }, async () => {
        const sb = await h.sandbox();
        try {
            const apps = Array.from({ length: count }, (_, i) => h.app(`app${i + 1}`, i % 3 === 1 ? { frontend: { image: "ghcr.io/x/f:1", keepPrefix: false } } : {}));
            const cfg = h.config({ domain: "example.test", aliases: ["www.example.test"], server: { memoryMb: 65536 }, apps });
            const d = h.deliver(sb, cfg);
            assert.equal(d.status, 0, d.stderr);
            const t = h.nginxTest(sb);
            assert.equal(t.status, 0, t.stderr);
            assert.match(t.stderr, /test is successful/);
        } finally {
            h.cleanup(sb);
        }
    });
}

test("nginx -t of the production config warns about nothing (deprecations show up here)", { skip }, async () => {
    const sb = await h.sandbox();
    try {
        const cfg = h.config({ domain: "example.test", aliases: ["www.example.test"], apps: [h.app("app1"), h.app("app2", { frontend: { image: "ghcr.io/x/f:1", keepPrefix: false } })] });
        // Rendered with production's paths, ports, user and resolver; checked where the proxy container mounts it.
        // Plus one canary server with a directive nginx 1.25.1+ deprecates: proof that warnings are seen at all.
        const canary = { path: "conf.d/_canary.conf", content: "server { listen 127.0.0.1:9 http2; return 444; }\n" };
        const d = h.deliver(sb, cfg, (files) => [...files, canary], h.productionOptions(cfg));
        assert.equal(d.status, 0, d.stderr);
        const t = h.nginxTestAsProduction(sb);
        assert.equal(t.status, 0, t.stderr);
        const warnings = t.stderr.split("\n").filter((l) => /\[(warn|emerg|alert|crit|error)\]/.test(l));
        const canaryWarning = /\[warn\] .*the "listen \.\.\. http2" directive is deprecated, use the "http2" directive instead in \S*_canary\.conf:1$/;
        assert.deepEqual(warnings.filter((l) => !canaryWarning.test(l)), [], t.stderr);
        assert.equal(warnings.filter((l) => canaryWarning.test(l)).length, 1, `the canary's warning shows that warnings are seen at all:\n${t.stderr}`);
    } finally {
        h.cleanup(sb);
    }
});
