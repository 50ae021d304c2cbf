// The load balancer's stand-in is told what the Scaleway backend is told: both come from
// render/lb/backend.ts, so the timings the tests run behind are production's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../../config/validate";
import { backendSettings, secondsToLeavePool } from "../../../render/lb/backend";
import { haproxyConfig } from "../../../render/lb/haproxy";

const cfg = validateConfig({ loadBalancer: { backendPort: 8090, healthCheck: { delaySeconds: 3, timeoutSeconds: 2, retries: 4 } }, apps: [{ name: "app1", frontend: { image: "a/b:1" }, backend: { image: "a/c:1" }, proxy: { readTimeoutSeconds: 120 } }] });
const b = backendSettings(cfg);
const text = haproxyConfig({ backend: b, servers: ["10.0.0.1:8090", "10.0.0.2:8090"], http: "0.0.0.0:80", https: "0.0.0.0:443", certificate: "/x.pem" });

test("the backend settings are the config's: port, check path and the three timings", () => {
    assert.deepEqual({ ...b }, { port: 8090, healthPath: "/health", delaySeconds: 3, timeoutSeconds: 2, retries: 4, serverTimeoutSeconds: 125, connectTimeoutSeconds: 5 });
    assert.equal(secondsToLeavePool(b), 14);
});

test("the HAProxy config's text: checks every server as Scaleway's settings say (GET /health, inter 3s, timeout 2s, fall and rise 4, PROXY v2 on checks too)", () => {
    assert.match(text, /http-check send meth GET uri \/health/);
    assert.match(text, /timeout check 2s/);
    for (const s of ["server-1 10.0.0.1:8090", "server-2 10.0.0.2:8090"]) assert.ok(text.includes(`server ${s} check inter 3s fall 4 rise 4 send-proxy-v2 check-send-proxy`), text);
});

test("TLS ends at the front; plain HTTP is redirected to HTTPS with the path and query", () => {
    assert.match(text, /bind 0\.0\.0\.0:443 ssl crt \/x\.pem/);
    assert.match(text, /http-request redirect code 301 location https:\/\/%\[req\.hdr\(host\),regsub\(:\[0-9\]\+\$,\)\]%\[capture\.req\.uri\]/);
    assert.match(text, /timeout server 125s/, "the longest app read timeout, plus a margin");
});
