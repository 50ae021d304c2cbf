// The rendered nginx config as text (no nginx needed): production paths, the add_header
// inheritance rule, prefix handling and what must never appear.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { validateConfig } from "../../../config/validate";
import { renderNginxConfig } from "../../../render/nginx/config";
import { deliverNginxConfigScript } from "../../../render/nginx/deliver";

const app = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` },
    ...extra,
});
const cfg = validateConfig({
    domain: "mhylle.com",
    aliases: ["www.mhylle.com"],
    apps: [app("app1"), app("app2", { frontend: { image: "ghcr.io/x/f:1", keepPrefix: false }, proxy: { csp: "default-src 'none'", readTimeoutSeconds: 300, clientMaxBodySize: "50m" } })],
});
const files = Object.fromEntries(renderNginxConfig(cfg).map((f) => [f.path, f.content]));
const all = Object.values(files).join("\n");

/** Top-level `location ... { ... }` blocks of a file (our renders never nest them). */
const blocks = (text: string) => text.match(/^location [^{]+\{[\s\S]*?^\}/gm) ?? [];

test("production paths: certificates, slot markers, logs, ACME webroot", () => {
    // Named through http-level maps, so nginx loads them per handshake (renewal without reload).
    assert.match(files["snippets/tls.conf"], /^ssl_certificate \$platform_tls_certificate;$/m);
    assert.match(files["snippets/tls.conf"], /^ssl_certificate_key \$platform_tls_certificate_key;$/m);
    assert.match(files["conf.d/_tls-certificate.conf"], /\$platform_tls_certificate \{\n    default "\/etc\/nginx\/certs\/live\/mhylle\.com\/fullchain\.pem";/);
    assert.match(files["conf.d/_tls-certificate.conf"], /\$platform_tls_certificate_key \{\n    default "\/etc\/nginx\/certs\/live\/mhylle\.com\/privkey\.pem";/);
    assert.match(files["routes/app1.conf"], /if \(-f \/etc\/nginx\/upstreams\/app1-frontend\.green\) \{/);
    assert.match(files["nginx.conf"], /access_log \/var\/log\/nginx\/access\.log platform_json/);
    assert.match(files["snippets/acme-challenge.conf"], /root \/var\/www\/certbot;/);
    assert.match(files["servers/http.conf"], /listen 80 default_server reuseport;/);
    assert.match(files["servers/https.conf"], /listen 443 ssl default_server reuseport;\n    http2 on;/);
    assert.match(files["servers/status.conf"], /listen 8081 reuseport;/);
    assert.match(files["nginx.conf"], /^user nginx;\npid \/tmp\/nginx\.pid;|^user nginx;$/m);
});

test("every include of the platform's own files is relative, so nginx -t of staging tests staging", () => {
    const absolute = [...all.matchAll(/include (\/\S+);/g)].map((m) => m[1]);
    for (const p of absolute) assert.match(p, /^\/etc\/nginx\/mime\.types$/, p);
});

test("every block with its own add_header includes the full security header snippet", () => {
    const withHeaders = Object.entries(files).flatMap(([file, text]) => blocks(text).filter((b) => b.includes("add_header")).map((block) => ({ file, block })));
    assert.ok(withHeaders.length > 0, "no block adds a header: the check below would check nothing");
    for (const { file, block } of withHeaders) assert.match(block, /include snippets\/(headers[-\w]*|apps\/[-\w]+-headers)\.conf;/, `${file}: ${block}`);
    assert.match(files["snippets/apps/app2-headers.conf"], /Content-Security-Policy "default-src 'none'" always;/);
    assert.match(files["snippets/apps/app1-headers.conf"], new RegExp(`Content-Security-Policy "${cfg.proxy.csp}" always;`));
    assert.doesNotMatch(files["snippets/headers-http.conf"], /Strict-Transport-Security/, "HSTS only over HTTPS");
});

test("the config text: two upstreams per service (blue, green), each server with `resolve`, and Docker's resolver 127.0.0.11 with valid=1s", () => {
    const up = files["conf.d/app1.conf"];
    for (const slot of ["frontend_blue", "frontend_green", "backend_blue", "backend_green"]) assert.match(up, new RegExp(`upstream app1_${slot} \\{\\n    zone app1_${slot} 64k;`));
    assert.match(up, /server app1-frontend-blue:8080 resolve max_fails=0;/);
    assert.match(up, /server app1-backend-green:3000 resolve max_fails=0;/);
    assert.match(files["nginx.conf"], /^    resolver 127\.0\.0\.11 valid=1s ipv6=off;$/m);
});

test("the route's text: its variable names the blue slot, and the green one inside `if (-f <marker>)`", () => {
    const api = /location \/api\/app1\/ \{[\s\S]*?\n\}/.exec(files["routes/app1.conf"])![0];
    assert.match(api, /set \$app1_backend app1_backend_blue;\n    if \(-f \/etc\/nginx\/upstreams\/app1-backend\.green\) \{\n        set \$app1_backend app1_backend_green;\n    \}/);
    assert.match(api, /proxy_pass http:\/\/\$app1_backend;/);
});

test("prefix kept or stripped per service; per-app body size and timeouts", () => {
    assert.match(files["routes/app1.conf"], /location \/app1\/ \{[\s\S]*proxy_pass http:\/\/\$app1_frontend;/);
    assert.doesNotMatch(files["routes/app1.conf"], /rewrite/);
    assert.match(files["routes/app2.conf"], /location \/app2\/ \{[\s\S]*rewrite \^\/app2\/\(\.\*\)\$ \/\$1 break;[\s\S]*X-Forwarded-Prefix \/app2;[\s\S]*proxy_pass http:\/\/\$app2_frontend;/);
    assert.match(files["routes/app2.conf"], /location \/api\/app2\/ \{[\s\S]*proxy_pass http:\/\/\$app2_backend;/);
    assert.match(files["routes/app2.conf"], /client_max_body_size 50m;[\s\S]*proxy_read_timeout 300s;/);
});

test("the TLS snippet's text: ssl_protocols TLSv1.2 TLSv1.3, session tickets off, a certificate cache, no stapling (refusals on nginx: tls.test.ts)", () => {
    const tls = files["snippets/tls.conf"];
    assert.match(tls, /^ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
    assert.match(tls, /^ssl_session_tickets off;$/m);
    assert.match(tls, /^ssl_certificate_cache max=\d+ valid=\d+s inactive=\S+;$/m);
    // nginx staples no certificate named by a variable; a dead directive would only mislead.
    assert.doesNotMatch(tls, /stapling|ssl_trusted_certificate/);
});

test("the status server's text: stub_status allows only loopback and private ranges then denies all; each release probe allows only 127.0.0.1", () => {
    const status = files["servers/status.conf"];
    const stub = /location = \/nginx_status \{[\s\S]*?\}/.exec(status)![0];
    assert.match(stub, /stub_status;/);
    assert.match(stub, /deny all;/);
    const allows: string[] = stub.match(/allow \S+;/g) ?? [];
    assert.ok(allows.includes("allow 127.0.0.1;"), stub);
    for (const allow of allows) assert.match(allow, /allow (127\.0\.0\.1|::1|10\.0\.0\.0\/8|172\.16\.0\.0\/12|192\.168\.0\.0\/16);/);
    const probes = status.match(/location \/probe\/[\s\S]*?\}/g) ?? [];
    assert.equal(probes.length, 8, "2 apps x 2 services x 2 slots");
    for (const probe of probes) assert.match(probe, /allow 127\.0\.0\.1;\n        deny all;/);
    assert.match(status, /location \/probe\/app2_backend_green\/ \{[\s\S]*?proxy_pass http:\/\/app2_backend_green\/;/);
});

test("no alias server without aliases", () => {
    const single = Object.fromEntries(renderNginxConfig(validateConfig({ domain: "mhylle.com", apps: [] })).map((f) => [f.path, f.content]));
    assert.equal((single["servers/https.conf"].match(/^server \{/gm) ?? []).length, 1);
    assert.equal((single["servers/http.conf"].match(/^server \{/gm) ?? []).length, 1);
});

test("the delivery script's text: under the nginx lock, nginx_check of staging before nginx_swap, then nginx_reload naming nginx_restore for a failed check (run on nginx: deliver.test.ts)", () => {
    const text = deliverNginxConfigScript("/opt/platform", { domains: ["mhylle.com", "www.mhylle.com"] });
    // The steps as the script runs them (the shared functions are defined above, nginx-control.sh).
    const lock = text.indexOf("\nnginx_lock\n");
    const testStaging = text.indexOf("nginx_check '/etc/nginx/platform-staging/nginx.conf'");
    const swap = text.indexOf('nginx_swap "$live" "$staging" "$previous"');
    assert.ok(lock > 0 && testStaging > lock && swap > testStaging, "under the nginx lock, test before swap");
    assert.ok(text.indexOf(`nginx_reload '/etc/nginx/platform/nginx.conf' "the live nginx config failed its check after the swap; restored the previous one:" nginx_restore "$live" "$previous"`) > swap, "reload after the swap, restoring on a failed check");
    assert.doesNotMatch(text, /rm -rf "\$staging"/, "staging is a bind mount: emptied, never replaced");
    assert.match(text, /subjectAltName=DNS:mhylle\.com,DNS:www\.mhylle\.com/);
});
