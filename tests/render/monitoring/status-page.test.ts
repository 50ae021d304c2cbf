// The status page as the status job renders it from recorded samples and release events, served
// by the platform's own nginx config on nginx 1.30 and opened in Debian's chromium: one point per
// sample in each chart, a marker where each release event is, no console error (so nothing the
// page's CSP refuses), a screenshot. nginx serves it over HTTPS, on its own origin (the status
// page's port), to server.adminCidrs and 127.0.0.1 only: 403 from any other address.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { get } from "../../support/http-client";
import { opsRoot, sh } from "../../support/ops";
import { writeEvents, writeSamples } from "../../support/status";
import { Loaded, loadPage, screenshot } from "../../support/chromium";
import { statusPageCsp } from "../../../render/monitoring/page-style";

const skip = needs("docker", "openssl", "root", "chromium", "python3") || needsImages(h.NGINX_IMAGE);
const SCREENSHOT = path.resolve(__dirname, "../../../out/status-page.png");
const DAY = 86400;
const GAP = { from: 100, to: 111 }; // samples not taken for an hour: the job did not run
let sb: h.Sandbox;
let nginx: h.RunningNginx;
let ops: ReturnType<typeof opsRoot>;
let page: Loaded, control: Loaded;
const events: { t: number; app: string; outcome: string }[] = [];
let recorded = 0;

const raw = () => ({ server: { adminCidrs: ["127.0.0.2/32"] }, apps: [h.app("app1", {}, sb), h.app("app2", {}, sb)] });
const url = (p = "/status/") => `https://127.0.0.1:${sb.ports.statusPage}${p}`;

/** GET over HTTPS from a given local address (127.0.0.0/8 is all this machine's). */
function getFrom(localAddress: string, p = "/status/"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
        const req = https.request({ host: "127.0.0.1", port: sb.ports.statusPage, path: p, localAddress, rejectUnauthorized: false, agent: false }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}

/** A day of 5-minute samples ending now, an hour missing; app2 idle in every fourth. */
function record(now: number) {
    const samples = [];
    for (let i = 0; i < 288; i++) {
        if (i >= GAP.from && i <= GAP.to) continue;
        const app2 = i % 4 === 0 ? { st: 0, n: 0, e: 0 } : { st: 0, n: 10, e: 0, p50: 0.004, p95: 0.009 };
        samples.push({
            t: now - DAY + 150 + 300 * i,
            st: "green",
            apps: { app1: { st: 0, n: 100 + (i % 7), e: i >= 200 && i <= 205 ? 20 : 0, p50: 0.02, p95: 0.1 + 0.001 * i }, app2 },
            core: { "mhylle-nginx": { up: 1, mb: 20 }, "mhylle-postgres": { up: 1, mb: 200 } },
            certs: {},
            backups: {},
            disk: 70,
        });
    }
    recorded = samples.length;
    writeSamples(sb.root, samples);
    events.push(
        { t: now - 6 * 3600 + 0.25, app: "app1", outcome: "released" },
        { t: now - 3 * 3600, app: "app1", outcome: "rolled-back" },
        { t: now - 2 * DAY, app: "app1", outcome: "released" }, // before the chart's window
        { t: now - 9 * 3600, app: "app2", outcome: "released" },
    );
    writeEvents(sb.root, events.map((e) => ({ ...e, service: "backend", image: `ghcr.io/x/${e.app}-b@sha256:${"b".repeat(64)}`, digest: `sha256:${"b".repeat(64)}`, container: `${e.app}-backend-1`, reason: "" })));
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    nginx = await h.serve(sb, h.config(raw()));
    ops = opsRoot(raw());
    record(Math.floor(Date.now() / 1000));
    // The status job's own run (docker answers nothing here: the report is red, the page still renders).
    const bin = path.join(sb.dir, "nodocker");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const r = sh(path.join(ops.root, "bin/platform-status"), ["--collect"], { env: { PLATFORM_ROOT: sb.root, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.code, 0, r.stderr);
    const html = fs.readFileSync(path.join(sb.root, "status-page/index.html"), "utf8");
    // The same page with one more rule in its stylesheet: the CSP must refuse it (the check works).
    fs.writeFileSync(path.join(sb.root, "status-page/control.html"), html.replace("<style>", "<style>p{margin:0}"), { mode: 0o644 });
    page = loadPage(url());
    control = loadPage(url("/status/control.html"));
    screenshot(url(), SCREENSHOT);
    console.log(JSON.stringify({ figure: "status-page-bytes", bytes: Buffer.byteLength(html), samples: recorded + 1, apps: 2 }));
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    h.cleanup(sb);
    ops?.cleanup();
});

const chart = (app: string) => page.dom.match(new RegExp(`<svg class="chart" data-app="${app}"[^>]*>[\\s\\S]*?</svg>`))?.[0] ?? "";
const attr = (tag: string, name: string) => tag.match(new RegExp(`${name}="([^"]*)"`))?.[1];
/** Points per series of an app's chart, counted in its polylines' coordinates. */
function points(app: string) {
    const counts: Record<string, number> = {};
    for (const m of chart(app).matchAll(/<polyline class="s-([a-z]+)" points="([^"]*)"/g)) counts[m[1]] = (counts[m[1]] ?? 0) + m[2].trim().split(/\s+/).length;
    return counts;
}

test("the page is served over HTTPS to 127.0.0.1 with the security headers and a CSP that allows its stylesheet only", { skip }, async () => {
    const r = await get(url());
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^text\/html/);
    assert.equal(r.headers["content-security-policy"], statusPageCsp());
    assert.doesNotMatch(statusPageCsp(), /script-src|unsafe-inline|\*/);
    assert.equal(r.headers["x-frame-options"], "DENY");
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.equal(r.headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert.match(String(r.headers["strict-transport-security"]), /max-age=\d+; includeSubDomains; preload/);
    assert.equal(r.headers["cache-control"], "no-store");
    assert.doesNotMatch(r.body, /<script|https?:\/\/(?!127\.0\.0\.1)/, "no script, no external asset");
});

test("an address in server.adminCidrs is served; any other is refused with 403", { skip }, async () => {
    const admin = await getFrom("127.0.0.2");
    assert.equal(admin.status, 200);
    assert.match(admin.body, /<svg class="chart" data-app="app1"/);
    const other = await getFrom("127.0.0.3");
    assert.equal(other.status, 403);
    assert.doesNotMatch(other.body, /app1/);
    assert.equal(other.headers["x-frame-options"], "DENY", "the refusal carries the headers too");
    assert.equal((await getFrom("127.0.0.3", "/status/control.html")).status, 403);
});

test("over plain HTTP the page is never served: it redirects to HTTPS", { skip }, async () => {
    const r = await get(`http://127.0.0.1:${sb.ports.http}/status/`);
    assert.equal(r.status, 301);
    assert.match(String(r.headers.location), /^https:\/\/127\.0\.0\.1:\d+\/status\/$/);
});

test("in chromium the page has no console error, and a screenshot is taken", { skip }, () => {
    assert.match(page.dom, /<span class="badge" id="overall">RED<\/span>/, page.dom.slice(0, 500));
    assert.deepEqual(page.console, []);
    const png = fs.readFileSync(SCREENSHOT);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "a PNG");
    assert.ok(png.length > 20_000, `${png.length} bytes: an empty page is smaller`);
});

test("the console check sees what the CSP refuses (control: a stylesheet the hash does not match)", { skip }, () => {
    assert.equal(control.console.filter((l) => l.includes("Content Security Policy")).length, 1, control.console.join("\n"));
});

test("each chart has one point per sample that has its value; a missed hour splits the line", { skip }, () => {
    const samples = recorded + 1; // and the job's own run
    const app2Idle = Array.from({ length: 288 }, (_, i) => i).filter((i) => (i < GAP.from || i > GAP.to) && i % 4 === 0).length;
    // The job's own sample has no request: no 5xx share and no latency to draw.
    assert.deepEqual(points("app1"), { requests: samples, errors: recorded, latency: recorded });
    assert.deepEqual(points("app2"), { requests: samples, errors: recorded - app2Idle, latency: recorded - app2Idle });
    assert.equal((chart("app1").match(/<polyline class="s-requests"/g) ?? []).length, 2);
    assert.equal(attr(chart("app1").match(/<g class="panel" data-series="requests"[^>]*>/)![0], "data-points"), String(samples));
});

test("a release marker where each event of the last 24 hours is, in its app's chart", { skip }, () => {
    for (const app of ["app1", "app2"]) {
        const svg = chart(app);
        const from = Number(attr(svg, "data-from")), to = Number(attr(svg, "data-to"));
        const markers = [...svg.matchAll(/<line class="marker[^"]*" data-kind="([a-z-]+)" data-t="([0-9.]+)" x1="([0-9.]+)"/g)];
        const expected = events.filter((e) => e.app === app && e.t >= from);
        assert.deepEqual(markers.map((m) => [m[1], Number(m[2])]), expected.map((e) => [e.outcome, e.t]));
        for (const m of markers) {
            const x = 64 + ((Number(m[2]) - from) / (to - from)) * (720 - 64 - 8);
            assert.ok(Math.abs(Number(m[3]) - x) <= 0.06, `${app} ${m[1]} at x=${m[3]}, expected ${x.toFixed(2)}`);
        }
    }
});
