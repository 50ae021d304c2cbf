// While the load balancer has no certificate (loadBalancer.letsEncrypt: false) port 80 serves the
// site in clear, so the apps must be told http: told https, an app would mark session cookies Secure
// and trust a connection that was never encrypted. On a real nginx, with the same PROXY request
// under letsEncrypt true as the control (https there, as tests/render/nginx/load-balancer.test.ts shows too).
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);
const LB_ADDRESS = "127.0.0.2";
let sb: h.Sandbox;
let nginx: h.RunningNginx;
let lbPort: number;
const echoes: h.Echo[] = [];

/** The X-Forwarded-Proto the backend saw for one request through the listener, after a PROXY v1 header. */
function forwardedProto(): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port: lbPort, localAddress: LB_ADDRESS }, () =>
            socket.write(`PROXY TCP4 203.0.113.7 127.0.0.1 40000 ${lbPort}\r\nGET /api/app1/items HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n`),
        );
        let data = "";
        socket.on("data", (d) => (data += d));
        socket.on("error", reject);
        socket.on("close", () => {
            const [head, ...rest] = data.split("\r\n\r\n");
            let body = rest.join("\r\n\r\n");
            if (/transfer-encoding: chunked/i.test(head)) body = body.split("\r\n").filter((_, i) => i % 2 === 1).join("");
            try {
                resolve((JSON.parse(body).headers as Record<string, string>)["x-forwarded-proto"]);
            } catch {
                reject(new Error(`no echo: ${data.slice(0, 300)}`));
            }
        });
    });
}

/** Delivers the config for `letsEncrypt` (nginx -t and a reload by the production script). */
function deliver(letsEncrypt: boolean) {
    const cfg = h.config({ domain: "example.test", loadBalancer: { letsEncrypt }, apps: [h.app("app1", {}, sb)] });
    const d = h.deliver(sb, cfg, undefined, { ...sb.options, loadBalancer: { port: lbPort, trusted: [LB_ADDRESS] } });
    assert.equal(d.status, 0, d.stderr);
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    lbPort = await h.freePort();
    for (const s of ["frontend", "backend"] as const) echoes.push(await h.slot(sb, "app1", s));
    deliver(false);
    nginx = await h.startNginx(sb);
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    for (const e of echoes) await e.close();
    h.cleanup(sb);
});

test("letsEncrypt false: a request the load balancer took over plain HTTP reaches the app as http", { skip }, async () => {
    assert.equal(await forwardedProto(), "http");
});

test("letsEncrypt true (control, same nginx reloaded): the same request reaches the app as https", { skip }, async () => {
    deliver(true);
    // The reload's new workers take new connections; retry briefly until one answers with the new map.
    let proto: string | undefined;
    for (let i = 0; i < 50 && proto !== "https"; i++) {
        proto = await forwardedProto();
        if (proto !== "https") await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(proto, "https");
});
