// TLS on a real nginx with the bootstrap certificate: 1.0 and 1.1 refused, 1.2 and 1.3 accepted,
// only Mozilla-intermediate ciphers, HTTP/2 offered, HSTS present. Each refusal is the server's
// alert, and a deliberately weakened copy of the rendered config accepts the very same handshake,
// so a refusal cannot come from a client that never offered the protocol or cipher.
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tls from "node:tls";
import * as fs from "node:fs";
import * as path from "node:path";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { nginxOnce } from "../../support/nginx-container";
import { get } from "../../support/http-client";
import { MOZILLA_INTERMEDIATE_CIPHERS, TLS_SNIPPET } from "../../../render/nginx/tls";
import { certFiles } from "../../../render/nginx/layout";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);
const OLD_PROTOCOLS = ["-tls1", "-tls1_1"];
// TLS 1.2 suites outside Mozilla's intermediate profile (no forward secrecy, CBC with SHA-1).
// 3DES is not here: neither this machine's OpenSSL nor the nginx image's can offer a 3DES suite
// (see "3DES: the nginx image cannot offer it"); testssl.sh's own handshakes check that class too (acme.test.ts).
const WEAK_CIPHERS = ["AES128-SHA", "ECDHE-RSA-AES128-SHA"];

let sb: h.Sandbox;
let nginx: h.RunningNginx;
// The same rendered config with the old protocols and the weak suites allowed: the positive control.
let weakSb: h.Sandbox;
let weakNginx: h.RunningNginx;

const cfg = () => h.config({ domain: "example.test", aliases: ["www.example.test"], apps: [h.app("app1")] });

/**
 * One handshake with openssl s_client; SECLEVEL=0, so the client itself refuses nothing it is told
 * to offer. `alert` is the alert the server sent ("handshake failure", "protocol version"), if any.
 */
function handshake(port: number, flag: string, cipher = "DEFAULT") {
    const r = spawnSync(
        "openssl",
        ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "example.test", flag, "-cipher", `${cipher}:@SECLEVEL=0`],
        { input: "", encoding: "utf8", timeout: 10_000 },
    );
    const out = r.stdout + r.stderr;
    const negotiated = /Cipher is (\S+)/.exec(r.stdout)?.[1];
    const cipherName = negotiated && negotiated !== "(NONE)" ? negotiated : undefined;
    // A received alert: OpenSSL names it and adds "SSL alert number N"; errors of its own have no number.
    const alert = /alert ([a-z ]+):[^\n]*SSL alert number \d+/.exec(out)?.[1];
    return { ok: r.status === 0 && !!cipherName, cipher: cipherName, protocol: /Protocol\s*:\s*(\S+)/.exec(r.stdout)?.[1], alert, out };
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    nginx = await h.serve(sb, cfg());
    weakSb = await h.sandbox();
    const weakened = h.deliver(weakSb, cfg(), (files) =>
        files.map((f) => {
            if (f.path !== TLS_SNIPPET) return f;
            const content = f.content
                .replace(/^ssl_protocols .*;$/m, "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;")
                .replace(/^ssl_ciphers (.*);$/m, `ssl_ciphers $1:${WEAK_CIPHERS.join(":")}:@SECLEVEL=0;`);
            return { ...f, content };
        }),
    );
    if (weakened.status !== 0) throw new Error(`delivering the weakened config failed: ${weakened.stderr}`);
    weakNginx = await h.startNginx(weakSb);
});

after(async () => {
    if (skip) return;
    await Promise.all([nginx?.stop(), weakNginx?.stop()]);
    h.cleanup(sb);
    if (weakSb) h.cleanup(weakSb);
});

test("TLS 1.0 and 1.1 are refused: the server answers a protocol version alert", { skip }, () => {
    for (const flag of OLD_PROTOCOLS) {
        const r = handshake(sb.ports.https, flag);
        assert.equal(r.ok, false, `${flag} must fail`);
        assert.equal(r.alert, "protocol version", `${flag}: the server's alert\n${r.out}`);
    }
});

test("control: the same TLS 1.0 and 1.1 handshakes succeed on a copy of the config that allows them", { skip }, () => {
    for (const [flag, version] of [["-tls1", "TLSv1"], ["-tls1_1", "TLSv1.1"]]) {
        const r = handshake(weakSb.ports.https, flag);
        assert.ok(r.ok, r.out);
        assert.equal(r.protocol, version, r.out);
    }
});

test("TLS 1.2 and 1.3 are accepted", { skip }, () => {
    const v12 = handshake(sb.ports.https, "-tls1_2");
    assert.ok(v12.ok, v12.out);
    assert.ok(MOZILLA_INTERMEDIATE_CIPHERS.split(":").includes(v12.cipher!), `negotiated ${v12.cipher}`);
    const v13 = handshake(sb.ports.https, "-tls1_3");
    assert.ok(v13.ok, v13.out);
    assert.match(v13.cipher!, /^TLS_/);
});

test("weak TLS 1.2 ciphers are refused: the server answers a handshake failure alert", { skip }, () => {
    for (const cipher of WEAK_CIPHERS) {
        const r = handshake(sb.ports.https, "-tls1_2", cipher);
        assert.equal(r.ok, false, `${cipher} must be refused`);
        assert.equal(r.alert, "handshake failure", `${cipher}: the server's alert\n${r.out}`);
    }
});

test("control: each weak cipher is offered by the client and negotiated by a copy of the config that allows it", { skip }, () => {
    for (const cipher of WEAK_CIPHERS) {
        const r = handshake(weakSb.ports.https, "-tls1_2", cipher);
        assert.ok(r.ok, r.out);
        assert.equal(r.cipher, cipher, r.out);
    }
});

test("3DES: the nginx image cannot offer it, its OpenSSL has no 3DES suite (nginx -t refuses a config of 3DES only)", { skip }, () => {
    // A minimal server on the rendered bootstrap certificate, checked by the image's nginx itself.
    const cert = certFiles(sb.options.paths.certs, "example.test");
    const check = (ciphers: string) => {
        const conf = path.join(sb.dir, `cipher-check-${ciphers.replace(/\W/g, "")}.conf`);
        fs.writeFileSync(conf, `pid ${sb.dir}/cipher-check.pid;\nerror_log stderr;\nevents {}\nhttp { server { listen 127.0.0.1:1 ssl; ssl_certificate ${cert.fullchain}; ssl_certificate_key ${cert.privkey}; ssl_ciphers ${ciphers}:@SECLEVEL=0; } }\n`);
        return nginxOnce(["-t", "-c", conf], [[sb.dir, sb.dir]]);
    };
    const control = check(WEAK_CIPHERS[0]);
    assert.equal(control.status, 0, control.stderr);
    const des = check("DES-CBC3-SHA");
    assert.notEqual(des.status, 0, des.stderr);
    assert.match(des.stderr, /SSL_CTX_set_cipher_list\("DES-CBC3-SHA:@SECLEVEL=0"\) failed[\s\S]*no cipher match/);
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
