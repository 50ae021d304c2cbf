// The status page on an origin of its own, served by the platform's rendered nginx config on
// nginx 1.30: the apps' origin answers 404 for /status/ (no app's script can read the page), the
// status origin serves it to server.adminCidrs with Cross-Origin-Resource-Policy same-origin and a
// CSP with frame-ancestors 'none', and refuses everyone else, Docker's bridge gateway included
// (where Docker's userland proxy makes an IPv6 client or a process on the server come from), even
// when the delivery runs where Docker reports the platform networks' gateways. The gateway is stood
// in for by a loopback address the fake `docker network` reports: on this machine a connection
// bound to a real bridge's address is masqueraded to another source before nginx sees it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { encodeBundle } from "../../../render/bundle";
import { renderNginxConfig } from "../../../render/nginx/config";
import { deliverNginxConfigScript } from "../../../render/nginx/deliver";
import { NGINX_DIR } from "../../../render/nginx/layout";
import { STATUS_PAGE_SERVER } from "../../../render/nginx/status-page";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);
const MARK = "status-origin-test-page";
let sb: h.Sandbox;
let nginx: h.RunningNginx;
/** The address `docker network inspect` reports as every platform network's gateway. */
const GATEWAY = "127.0.0.4";

/** GET over HTTPS to `port` from a given local address (127.0.0.0/8 is all this machine's). */
function getFrom(localAddress: string, port: number, p = "/status/"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
        const req = https.request({ host: "127.0.0.1", port, path: p, localAddress, rejectUnauthorized: false, agent: false }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    const cfg = h.config({ server: { adminCidrs: ["127.0.0.2/32"] }, apps: [h.app("app1", {}, sb)] });
    // The production delivery, where `docker network` answers with that gateway for every network.
    const shim = h.dockerShim(sb);
    const bin = path.join(sb.dir, "gateway-bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/bash\nif [ "$1" = network ]; then\n  case "$2" in ls) echo netid ;; inspect) echo "${GATEWAY} " ;; esac\n  exit 0\nfi\nexec ${shim}/docker "$@"\n`, { mode: 0o755 });
    const d = spawnSync("/bin/bash", ["-c", deliverNginxConfigScript(sb.root, { domains: [cfg.domain], paths: sb.options.paths })], {
        input: encodeBundle(renderNginxConfig(cfg, sb.options), NGINX_DIR),
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(d.status, 0, d.stderr);
    fs.writeFileSync(path.join(sb.options.paths.statusPage, "index.html"), `<!doctype html><title>${MARK}</title>`, { mode: 0o644 });
    nginx = await h.startNginx(sb);
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    h.cleanup(sb);
});

test("the apps' origin has no status page: /status/ is 404 there, even for an admin", { skip }, async () => {
    for (const p of ["/status/", "/status/index.html", "/status"]) {
        const r = await getFrom("127.0.0.2", sb.ports.https, p);
        assert.equal(r.status, 404, p);
        assert.doesNotMatch(r.body, new RegExp(MARK));
    }
});

test("the status origin serves the page to an admin address, with CORP same-origin and frame-ancestors 'none'", { skip }, async () => {
    const r = await getFrom("127.0.0.2", sb.ports.statusPage);
    assert.equal(r.status, 200);
    assert.match(r.body, new RegExp(MARK));
    assert.equal(r.headers["cross-origin-resource-policy"], "same-origin");
    assert.match(String(r.headers["content-security-policy"]), /(^|; )frame-ancestors 'none'(;|$)/);
    assert.equal(r.headers["x-frame-options"], "DENY");
    assert.equal(r.headers["cache-control"], "no-store");
    assert.equal(r.headers["access-control-allow-origin"], undefined, "no CORS: no other origin may read it");
    assert.equal(r.headers["set-cookie"], undefined, "the page sets no cookie");
    const root = await getFrom("127.0.0.2", sb.ports.statusPage, "/");
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, "/status/");
    assert.equal((await getFrom("127.0.0.2", sb.ports.statusPage, "/app1/")).status, 404, "no app on the status origin");
});

test("any other address is refused with 403, Docker's bridge gateway included", { skip }, async () => {
    const other = await getFrom("127.0.0.3", sb.ports.statusPage);
    assert.equal(other.status, 403);
    assert.doesNotMatch(other.body, new RegExp(MARK));
    assert.equal(other.headers["cross-origin-resource-policy"], "same-origin", "the refusal carries the headers too");
    const viaGateway = await getFrom(GATEWAY, sb.ports.statusPage);
    assert.equal(viaGateway.status, 403, `a request from the gateway ${GATEWAY} was served`);
    assert.doesNotMatch(viaGateway.body, new RegExp(MARK));
});

test("the delivered allow list is nginx's loopback and the admin range, nothing else", { skip }, () => {
    const conf = fs.readFileSync(path.join(sb.options.paths.config, STATUS_PAGE_SERVER), "utf8");
    assert.deepEqual(conf.match(/(allow|deny) [^;]+;/g), ["allow 127.0.0.1;", "allow ::1;", "allow 127.0.0.2/32;", "deny all;"]);
    assert.doesNotMatch(fs.readdirSync(path.join(sb.options.paths.config, "snippets")).join(" "), /status-page-host/);
});
