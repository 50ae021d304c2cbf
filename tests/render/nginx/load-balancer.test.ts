// nginx behind the load balancer, on a real nginx: the listener takes HTTP after a PROXY protocol
// header, believes it only from the load balancer's own addresses, tells apps the client's address
// and https, answers the load balancer's check (503 once the server is taken out of the pool) and
// redirects aliases to the domain.
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { OUT_OF_POOL_FILE } from "../../../render/lb/backend";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);
/** The load balancer's stand-in address (loopback: nginx runs on the host's network). */
const LB_ADDRESS = "127.0.0.2";
let sb: h.Sandbox;
let nginx: h.RunningNginx;
let lbPort: number;
const echoes: h.Echo[] = [];

interface Raw {
    status: number;
    headers: Record<string, string>;
    body: string;
}

/** One request on a fresh connection from `from`, with a PROXY v1 header claiming `client` first (none when undefined). */
function request(from: string, client: string | undefined, p: string, host = "example.test", extra = ""): Promise<Raw | "closed"> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port: lbPort, localAddress: from }, () => {
            const proxy = client ? `PROXY TCP4 ${client} 127.0.0.1 40000 ${lbPort}\r\n` : "";
            socket.write(`${proxy}GET ${p} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
        });
        let data = "";
        socket.on("data", (d) => (data += d));
        socket.on("error", () => resolve("closed"));
        socket.on("close", () => {
            const m = /^HTTP\/1\.1 (\d+)/.exec(data);
            if (!m) return resolve("closed");
            const [head, ...rest] = data.split("\r\n\r\n");
            const headers = Object.fromEntries(head.split("\r\n").slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
            let body = rest.join("\r\n\r\n");
            // Chunked bodies: keep the JSON line.
            if (headers["transfer-encoding"] === "chunked") body = body.split("\r\n").filter((l, i) => i % 2 === 1).join("");
            resolve({ status: Number(m[1]), headers, body });
        });
    });
}
const seen = (r: Raw | "closed") => {
    assert.notEqual(r, "closed");
    return JSON.parse((r as Raw).body).headers as Record<string, string>;
};

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    lbPort = await h.freePort();
    const cfg = h.config({ domain: "example.test", aliases: ["www.example.test"], apps: [h.app("app1", {}, sb)] });
    for (const s of ["frontend", "backend"] as const) echoes.push(await h.slot(sb, "app1", s));
    const d = h.deliver(sb, cfg, undefined, { ...sb.options, loadBalancer: { port: lbPort, trusted: [LB_ADDRESS] } });
    assert.equal(d.status, 0, d.stderr);
    nginx = await h.startNginx(sb);
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    for (const e of echoes) await e.close();
    h.cleanup(sb);
});

test("the load balancer's PROXY header gives apps the client's address, and https as the scheme", { skip }, async () => {
    const headers = seen(await request(LB_ADDRESS, "203.0.113.7", "/api/app1/items"));
    assert.equal(headers["x-real-ip"], "203.0.113.7");
    assert.equal(headers["x-forwarded-for"], "203.0.113.7");
    assert.equal(headers["x-forwarded-proto"], "https");
});

test("a client's own X-Forwarded-For is replaced, not believed", { skip }, async () => {
    const headers = seen(await request(LB_ADDRESS, "203.0.113.7", "/api/app1/items", "example.test", "X-Forwarded-For: 198.51.100.1\r\n"));
    assert.equal(headers["x-forwarded-for"], "203.0.113.7");
});

test("a PROXY header from any other address is ignored: the app sees that peer", { skip }, async () => {
    const headers = seen(await request("127.0.0.1", "203.0.113.7", "/api/app1/items"));
    assert.equal(headers["x-real-ip"], "127.0.0.1");
});

test("a connection without a PROXY header gets no answer", { skip }, async () => {
    const r = await request(LB_ADDRESS, undefined, "/api/app1/items");
    assert.ok(r === "closed" || r.status === 400, JSON.stringify(r));
});

test("the check answers 200, and 503 while the server is taken out of the pool", { skip }, async () => {
    const check = async () => ((await request(LB_ADDRESS, "10.0.0.1", "/health")) as Raw).status;
    assert.equal(await check(), 200);
    const file = path.join(sb.root, OUT_OF_POOL_FILE);
    fs.writeFileSync(file, "");
    try {
        assert.equal(await check(), 503);
    } finally {
        fs.rmSync(file);
    }
    assert.equal(await check(), 200);
});

test("an alias is redirected to the domain over https", { skip }, async () => {
    const r = (await request(LB_ADDRESS, "203.0.113.7", "/app1/?x=1", "www.example.test")) as Raw;
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, "https://example.test/app1/?x=1");
});

test("the access log records the client's address", { skip }, async () => {
    await request(LB_ADDRESS, "203.0.113.9", "/api/app1/logged");
    await new Promise((r) => setTimeout(r, 1500)); // the log is flushed every second
    const log = fs.readFileSync(path.join(sb.options.paths.logs, "access.log"), "utf8");
    const line = log.split("\n").find((l) => l.includes("/api/app1/logged"));
    assert.ok(line, "no log line");
    assert.equal(JSON.parse(line).remote_addr, "203.0.113.9");
});
