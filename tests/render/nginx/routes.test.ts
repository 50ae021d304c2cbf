// Every route of a 3-app config through a real nginx to real HTTP servers, with the documented
// prefix behaviour, headers, caching, compression, logs and the HTTP side (ACME, redirects).
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import * as https from "node:https";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { get, Reply } from "../../support/http-client";

const skip = needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE);
let sb: h.Sandbox;
let nginx: h.RunningNginx;
const echoes: Record<string, h.Echo> = {};
// Upgraded sockets are not closed by server.close(): tracked so teardown can end them.
const upgraded: { destroy(): void }[] = [];

const cfg = () =>
    h.config({
        domain: "example.test",
        aliases: ["www.example.test"],
        proxy: { csp: "default-src 'self'" },
        apps: [
            // app1: both keep their prefix (Angular base href /app1/, NestJS global prefix api/app1).
            h.app("app1", {}, sb),
            // app2: frontend served at its container's root, own CSP.
            h.app("app2", { frontend: { image: "ghcr.io/mhylle/app2-frontend:1.0.0", keepPrefix: false }, proxy: { csp: "default-src 'none'" } }, sb),
            // app3: custom public prefix, backend served at its container's root.
            h.app("app3", { routePrefix: "/shop", backend: { image: "ghcr.io/mhylle/app3-backend:1.0.0", keepPrefix: false } }, sb),
            // app4: never released: no container holds its slots' names, so nginx answers 502.
            h.app("app4", {}, sb),
        ],
    });

const httpsGet = (p: string, headers: Record<string, string> = {}) => get(`https://127.0.0.1:${sb.ports.https}${p}`, { host: "example.test", ...headers });
const plain = (p: string, headers: Record<string, string> = {}) => get(`http://127.0.0.1:${sb.ports.http}${p}`, { host: "example.test", ...headers });
const json = (r: Reply) => JSON.parse(r.body) as { service: string; url: string; headers: Record<string, string> };

function assertSecurityHeaders(r: Reply, csp: string, hsts = true) {
    assert.equal(r.headers["x-frame-options"], "DENY");
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.equal(r.headers["x-xss-protection"], "1; mode=block");
    assert.equal(r.headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert.equal(r.headers["content-security-policy"], csp);
    if (hsts) assert.match(String(r.headers["strict-transport-security"]), /max-age=\d+; includeSubDomains; preload/);
    else assert.equal(r.headers["strict-transport-security"], undefined, "HSTS only over HTTPS");
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    for (const a of ["app1", "app2", "app3"])
        for (const s of ["frontend", "backend"] as const) {
            echoes[`${a}-${s}`] = await h.slot(sb, a, s);
        }
    nginx = await h.serve(sb, cfg());
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    h.cleanup(sb);
    upgraded.forEach((s) => s.destroy());
    await Promise.all(Object.values(echoes).map((e) => e.close()));
});

test("each route reaches its service with the documented prefix behaviour", { skip }, async () => {
    const cases: [string, string, string][] = [
        ["/app1/dashboard", "app1-frontend", "/app1/dashboard"],
        ["/api/app1/users?x=1", "app1-backend", "/api/app1/users?x=1"],
        ["/app2/dashboard", "app2-frontend", "/dashboard"],
        ["/api/app2/users", "app2-backend", "/api/app2/users"],
        ["/shop/cart", "app3-frontend", "/shop/cart"],
        ["/api/app3/orders", "app3-backend", "/orders"],
    ];
    for (const [url, service, seen] of cases) {
        const r = await httpsGet(url);
        assert.equal(r.status, 200, url);
        assert.equal(json(r).service, service, url);
        assert.equal(json(r).url, seen, url);
    }
});

test("forwarded headers reach the service; a stripped prefix is announced", { skip }, async () => {
    const r = json(await httpsGet("/app2/x", { "x-forwarded-for": "6.6.6.6" }));
    assert.equal(r.headers["x-forwarded-for"], "127.0.0.1", "client-sent X-Forwarded-For is replaced");
    assert.equal(r.headers["x-real-ip"], "127.0.0.1");
    assert.equal(r.headers["x-forwarded-proto"], "https");
    assert.equal(r.headers["x-forwarded-host"], "example.test");
    assert.equal(r.headers["x-forwarded-prefix"], "/app2");
    assert.equal(r.headers.connection, undefined, "keepalive to upstream: no Connection: close");
    assert.equal((await httpsGet("/api/app1/x")).headers["x-powered-by"], undefined, "framework banner hidden");
});

test("unknown paths get 404; the bare prefix redirects to the slash form; /health is nginx's own", { skip }, async () => {
    for (const p of ["/", "/nope", "/api/nope/x", "/app1x/", "/api/app1x/y", "/app4x"]) assert.equal((await httpsGet(p)).status, 404, p);
    const bare = await httpsGet("/app1?q=1");
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, "/app1/?q=1");
    const health = await httpsGet("/health");
    assert.equal(health.status, 200);
    assert.equal(health.body, "ok\n");
    assert.equal((await plain("/health")).status, 200, "HTTP /health answers without redirect (container healthcheck)");
});

test("security headers on 200, 404, 502 and the HTTP redirect; per-app CSP", { skip }, async () => {
    assertSecurityHeaders(await httpsGet("/app1/"), "default-src 'self'");
    assertSecurityHeaders(await httpsGet("/app2/"), "default-src 'none'");
    assertSecurityHeaders(await httpsGet("/api/app2/x"), "default-src 'none'");
    const notFound = await httpsGet("/nope");
    assert.equal(notFound.status, 404);
    assertSecurityHeaders(notFound, "default-src 'self'");
    const bad = await httpsGet("/app4/");
    assert.equal(bad.status, 502, "never-released app answers 502");
    assertSecurityHeaders(bad, "default-src 'self'");
    const redirect = await plain("/app1/x?y=1");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `https://example.test:${sb.ports.https}/app1/x?y=1`);
    assertSecurityHeaders(redirect, "default-src 'self'", false);
});

test("aliases redirect to the primary domain over HTTP and HTTPS", { skip }, async () => {
    const viaHttp = await plain("/app1/", { host: "www.example.test" });
    assert.equal(viaHttp.headers.location, `https://example.test:${sb.ports.https}/app1/`);
    const viaHttps = await httpsGet("/app1/?a=b", { host: "www.example.test" });
    assert.equal(viaHttps.status, 301);
    assert.equal(viaHttps.headers.location, `https://example.test:${sb.ports.https}/app1/?a=b`);
    assertSecurityHeaders(viaHttps, "default-src 'self'");
});

test("ACME challenges are served over HTTP from the certbot webroot", { skip }, async () => {
    const dir = path.join(sb.options.paths.acmeWebroot, ".well-known/acme-challenge");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "tok123"), "tok123.key");
    const r = await plain("/.well-known/acme-challenge/tok123");
    assert.equal(r.status, 200);
    assert.equal(r.body, "tok123.key");
    assert.equal((await plain("/.well-known/acme-challenge/missing")).status, 404);
});

test("fingerprinted assets cached a year, the SPA shell never, others as the app says", { skip }, async () => {
    assert.equal((await httpsGet("/app1/main.3f9a2b7c1d.js")).headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal((await httpsGet("/app1/styles.a1b2c3d4e5f6.css")).headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal((await httpsGet("/app1/index.html")).headers["cache-control"], "no-cache");
    assert.equal((await httpsGet("/app1/")).headers["cache-control"], "no-cache");
    assert.equal((await httpsGet("/app1/orders/42")).headers["cache-control"], "no-cache");
    assert.equal((await httpsGet("/app1/assets/logo.png")).headers["cache-control"], "private, max-age=5");
    assert.equal((await httpsGet("/api/app1/x")).headers["cache-control"], "private, max-age=5", "backend decides its own caching");
});

test("text responses are gzipped for clients that accept it", { skip }, async () => {
    const long = "/app1/" + "a".repeat(1200) + ".css";
    const r = await httpsGet(long, { "accept-encoding": "gzip" });
    assert.equal(r.headers["content-encoding"], "gzip");
    assert.equal(json(r).service, "app1-frontend");
});

test("WebSocket upgrades pass through to the backend", { skip }, async () => {
    const echo = echoes["app1-backend"];
    echo.server.once("upgrade", (req, socket) => {
        socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        socket.on("data", (d) => socket.write(d));
        socket.on("close", () => socket.destroy());
        upgraded.push(socket);
    });
    const reply = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ port: sb.ports.https, host: "127.0.0.1", servername: "example.test", rejectUnauthorized: false }, () => {
            s.write("GET /api/app1/ws HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        });
        let got = "";
        s.on("data", (d) => {
            got += d;
            if (got.includes("\r\n\r\n") && !got.includes("ping")) s.write("ping");
            if (got.endsWith("ping")) {
                s.destroy();
                resolve(got);
            }
        });
        s.on("error", reject);
        setTimeout(() => reject(new Error(`no upgrade: ${got}`)), 5000);
    });
    assert.match(reply, /^HTTP\/1\.1 101/);
    assert.match(reply, /ping$/);
});

test("access log lines are JSON with timings, status and upstream address", { skip }, async () => {
    await httpsGet("/api/app1/logged");
    // The log is buffered and flushed every second.
    const file = path.join(sb.options.paths.logs, "access.log");
    let entry: Record<string, any> | undefined;
    for (let i = 0; i < 40 && !entry; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
        entry = lines.map((l) => JSON.parse(l)).find((e) => e.uri === "/api/app1/logged");
    }
    assert.ok(entry, "logged");
    assert.equal(entry.status, 200);
    assert.equal(typeof entry.request_time, "number");
    assert.match(entry.upstream_response_time, /^\d+\.\d{3}$/);
    const backend = echoes["app1-backend"].server.address() as { address: string; port: number };
    assert.equal(entry.upstream_addr, `${backend.address}:${backend.port}`, "the address its slot resolved to");
    assert.equal(typeof entry.msec, "number", "the release's watch reads the time of each response");
});

test("a slot switch takes effect on the next request, without a reload or a closed client connection", { skip }, async () => {
    const green = await h.slot(sb, "app1", "backend", "green");
    const blueAddress = (echoes["app1-backend"].server.address() as { address: string }).address;
    const greenAddress = (green.server.address() as { address: string }).address;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    // One keep-alive connection for every request: reusedSocket says it was never closed under us.
    const ask = () =>
        new Promise<{ address: string; reused: boolean }>((resolve, reject) => {
            const req = https.request({ host: "127.0.0.1", port: sb.ports.https, path: "/api/app1/who", agent, rejectUnauthorized: false, servername: "example.test", headers: { host: "example.test" } }, (res) => {
                let body = "";
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ address: JSON.parse(body).address, reused: req.reusedSocket }));
            });
            req.on("error", reject);
            req.end();
        });
    const masterBefore = nginx.masterPid;
    try {
        assert.equal((await ask()).address, blueAddress);
        // nginx resolves the idle slot's name on its own (valid=1s), before the switch.
        await new Promise((r) => setTimeout(r, 2500));
        h.switchTo(sb, "app1", "backend", "green");
        const afterSwitch = await ask();
        assert.deepEqual(afterSwitch, { address: greenAddress, reused: true }, "the very next request goes to green, on the same connection");
        h.switchTo(sb, "app1", "backend", "blue");
        assert.deepEqual(await ask(), { address: blueAddress, reused: true }, "and back");
        assert.equal(nginx.masterPid, masterBefore, "no restart");
    } finally {
        agent.destroy();
        h.switchTo(sb, "app1", "backend", "blue");
        await green.close();
    }
});

test("the status endpoint answers on the internal port only", { skip }, async () => {
    const r = await get(`http://127.0.0.1:${sb.ports.status}/nginx_status`);
    assert.equal(r.status, 200);
    assert.match(r.body, /Active connections: \d+/);
    assert.equal((await httpsGet("/nginx_status")).status, 404, "not on the public server");
});
