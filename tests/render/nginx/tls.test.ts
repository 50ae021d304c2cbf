// TLS on a real nginx with the bootstrap certificate: 1.0 and 1.1 refused, 1.2 and 1.3 accepted,
// only Mozilla-intermediate ciphers, HTTP/2 offered, HSTS present.
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tls from "node:tls";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { get } from "../../support/http-client";
import { MOZILLA_INTERMEDIATE_CIPHERS } from "../../../render/nginx/tls";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);
let sb: h.Sandbox;
let nginx: h.RunningNginx;

/** Handshake with one protocol version; the client allows old protocols (SECLEVEL=0) so only the server can refuse. */
function handshake(flag: string, extra: string[] = []) {
    const r = spawnSync(
        "openssl",
        ["s_client", "-connect", `127.0.0.1:${sb.ports.https}`, "-servername", "example.test", flag, "-cipher", "DEFAULT:@SECLEVEL=0", ...extra],
        { input: "", encoding: "utf8", timeout: 10_000 },
    );
    const cipher = /Cipher is (\S+)/.exec(r.stdout)?.[1];
    return { ok: r.status === 0 && !!cipher && cipher !== "(NONE)", cipher, out: r.stdout + r.stderr };
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    nginx = await h.serve(sb, h.config({ domain: "example.test", aliases: ["www.example.test"], apps: [h.app("app1")] }));
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    h.cleanup(sb);
});

test("TLS 1.0 and 1.1 are refused", { skip }, () => {
    for (const flag of ["-tls1", "-tls1_1"]) assert.equal(handshake(flag).ok, false, `${flag} must fail`);
});

test("TLS 1.2 and 1.3 are accepted", { skip }, () => {
    const v12 = handshake("-tls1_2");
    assert.ok(v12.ok, v12.out);
    assert.ok(MOZILLA_INTERMEDIATE_CIPHERS.split(":").includes(v12.cipher!), `negotiated ${v12.cipher}`);
    const v13 = handshake("-tls1_3");
    assert.ok(v13.ok, v13.out);
    assert.match(v13.cipher!, /^TLS_/);
});

test("weak TLS 1.2 ciphers are refused", { skip }, () => {
    for (const cipher of ["AES128-SHA", "ECDHE-RSA-AES128-SHA", "DES-CBC3-SHA"]) {
        const r = spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${sb.ports.https}`, "-tls1_2", "-cipher", `${cipher}:@SECLEVEL=0`], { input: "", encoding: "utf8", timeout: 10_000 });
        assert.notEqual(r.status, 0, `${cipher} must be refused`);
    }
});

test("HTTP/2 is offered (ALPN h2) on the domain and on its aliases", { skip }, async () => {
    for (const servername of ["example.test", "www.example.test"]) {
        const alpn = await new Promise<string | false>((resolve, reject) => {
            const s = tls.connect({ host: "127.0.0.1", port: sb.ports.https, servername, ALPNProtocols: ["h2", "http/1.1"], rejectUnauthorized: false }, () => {
                resolve(s.alpnProtocol ?? false);
                s.end();
            });
            s.on("error", reject);
        });
        assert.equal(alpn, "h2", servername);
    }
});

test("HSTS with preload on HTTPS responses", { skip }, async () => {
    const r = await get(`https://127.0.0.1:${sb.ports.https}/health`, { host: "example.test" });
    assert.equal(r.headers["strict-transport-security"], "max-age=63072000; includeSubDomains; preload");
});
