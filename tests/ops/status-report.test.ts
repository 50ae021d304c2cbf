// The status report against real containers: green when everything answers; red for a stopped app
// container, a failing health endpoint and a certificate close to expiry; platform-status exits
// non-zero exactly when red (or stale).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterFlush, BACKEND_IMAGE, BROKEN_BACKEND_IMAGE, NGINX_IMAGE, POSTGRES_IMAGE, certificate, network, needsImages, ok, opsRoot, removeContainers, sh, startNginx, startPostgres, waitFor } from "../support/ops";

const P = "opstest-status";
const PG = `${P}-postgres`;
const NGINX = `${P}-nginx`;
const NET = `${P}-net`;
const APP = { front: `${P}-app1-frontend`, back: `${P}-app1-backend`, broken: `${P}-app1-broken` };
const DOMAIN = "status.example.test";
const skip = needsImages(POSTGRES_IMAGE, NGINX_IMAGE, BACKEND_IMAGE, BROKEN_BACKEND_IMAGE);
const app = (name: string) => ({ name, frontend: { image: "ghcr.io/x/f:1", healthPath: "/health" }, backend: { image: "ghcr.io/x/b:1" } });
const ops = skip ? undefined : opsRoot({ domain: DOMAIN, apps: [app("app1")] });
const env = () => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG, PLATFORM_NGINX_CONTAINER: NGINX, PLATFORM_CORE_CONTAINERS: `${NGINX} ${PG}` });

interface Check { group: string; name: string; status: string; summary: string }
function report(): { code: number; status: string; checks: Check[]; text: string; ms: number } {
    const t0 = Date.now();
    const r = sh(path.join(ops!.root, "bin/platform-status"), ["--refresh"], { env: env() });
    const ms = Date.now() - t0;
    const json = JSON.parse(fs.readFileSync(path.join(ops!.root, "state/status.json"), "utf8"));
    return { code: r.code, status: json.status, checks: json.checks, text: r.stdout, ms };
}
const find = (checks: Check[], group: string, name: string) => checks.find((c) => c.group === group && c.name === name);
const upstream = (service: string, container: string, port = 3000) => {
    fs.mkdirSync(path.join(ops!.root, "nginx-upstreams"), { recursive: true });
    fs.writeFileSync(path.join(ops!.root, "nginx-upstreams", `app1-${service}.conf`), `server ${container}:${port} max_fails=0;\n`);
};

before(() => {
    if (skip) return;
    network(NET);
    startPostgres(PG);
    startNginx(NGINX, ops!.root, NET);
    for (const [name, image] of [[APP.front, BACKEND_IMAGE], [APP.back, BACKEND_IMAGE], [APP.broken, BROKEN_BACKEND_IMAGE]]) {
        removeContainers(name);
        ok("docker", ["run", "-d", "--name", name, "--label", "opstest=1", "--network", NET, image]);
    }
    for (const name of [APP.front, APP.back, APP.broken]) waitFor(() => sh("docker", ["exec", NGINX, "curl", "-sS", "-o", "/dev/null", `http://${name}:3000/health`]).code === 0, 30_000, `${name} up`);
    upstream("frontend", APP.front);
    upstream("backend", APP.back);
    certificate(ops!.root, DOMAIN, 60);
    // Some traffic for the log summary.
    for (let i = 0; i < 5; i++) sh("docker", ["exec", NGINX, "curl", "-s", "-o", "/dev/null", "http://127.0.0.1/app1/"]);
    afterFlush();
});

after(() => {
    removeContainers(PG, NGINX, APP.front, APP.back, APP.broken);
    sh("docker", ["network", "rm", NET]);
    ops?.cleanup();
});

test("everything up: the report is not red and platform-status exits 0", { skip }, () => {
    const r = report();
    const notOk = r.checks.filter((c) => c.status === "fail");
    assert.deepEqual(notOk, [], r.text);
    assert.equal(r.code, 0, r.text);
    for (const [g, n] of [["containers", NGINX], ["containers", PG], ["health", "nginx /health"], ["health", "app1 frontend"], ["health", "app1 backend"], ["database", "pg_isready"], ["database", "connections"], ["certificates", DOMAIN], ["traffic", "nginx responses"]])
        assert.equal(find(r.checks, g, n)?.status, "ok", `${g} ${n}: ${r.text}`);
    assert.match(find(r.checks, "traffic", "nginx responses")!.summary, /^5 requests/);
    // Not public: only the deploy user and its group may read it.
    assert.equal(fs.statSync(path.join(ops!.root, "state/status.json")).mode & 0o007, 0);
    console.log(JSON.stringify({ figure: "status-report-ms", ms: r.ms }));
});

test("a stopped app container turns the report red", { skip }, () => {
    ok("docker", ["stop", "-t", "1", APP.back]);
    try {
        const r = report();
        assert.equal(r.status, "red");
        assert.equal(r.code, 1);
        assert.match(find(r.checks, "health", "app1 backend")!.summary, new RegExp(`container ${APP.back} is not running \\(exited\\)`));
        assert.match(r.text, /^platform RED at /);
        assert.match(r.text, /FAIL health +app1 backend/);
    } finally {
        ok("docker", ["start", APP.back]);
    }
});

test("a failing health endpoint turns the report red", { skip }, () => {
    upstream("backend", APP.broken);
    try {
        const r = report();
        assert.equal(r.status, "red", r.text);
        assert.equal(r.code, 1);
        assert.match(find(r.checks, "health", "app1 backend")!.summary, new RegExp(`/health on ${APP.broken}: HTTP 500`));
    } finally {
        upstream("backend", APP.back);
    }
});

test("a certificate close to expiry turns the report red, one within the warning window amber", { skip }, () => {
    certificate(ops!.root, DOMAIN, 3);
    let r = report();
    assert.equal(find(r.checks, "certificates", DOMAIN)!.status, "fail", r.text);
    assert.equal(r.status, "red");
    assert.equal(r.code, 1);
    certificate(ops!.root, DOMAIN, 14);
    r = report();
    assert.equal(find(r.checks, "certificates", DOMAIN)!.status, "warn", r.text);
    assert.notEqual(r.status, "red");
    assert.equal(r.code, 0);
    certificate(ops!.root, DOMAIN, 60);
});

test("cert-expiry.sh, when installed, is the source of certificate facts (garbage lines ignored)", { skip }, () => {
    const script = path.join(ops!.root, "bin/cert-expiry.sh");
    fs.writeFileSync(script, `#!/bin/sh\necho 'starting'\necho '{"domain":"${DOMAIN}","daysLeft":2,"notAfter":"2026-11-27T00:00:00Z","issuer":"Pebble","ok":false}'\necho '{"domain":"www.${DOMAIN}","daysLeft":80,"notAfter":"x","issuer":"Pebble","ok":true}'\n`, { mode: 0o755 });
    try {
        const r = report();
        assert.equal(find(r.checks, "certificates", DOMAIN)!.status, "fail");
        assert.equal(find(r.checks, "certificates", `www.${DOMAIN}`)!.status, "ok");
        assert.equal(r.code, 1);
    } finally {
        fs.rmSync(script);
    }
});

test("a stale report is red even if it said green", { skip }, () => {
    report();
    const file = path.join(ops!.root, "state/status.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, JSON.stringify({ ...json, status: "green", generatedAt: json.generatedAt - 3600 }));
    const r = sh(path.join(ops!.root, "bin/platform-status"), [], { env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /platform RED: the report is 60 minutes old/);
});
