// The status report against real containers: green when everything answers; red for a stopped app
// container, a failing health endpoint and a certificate close to expiry; platform-status exits
// non-zero exactly when red (or stale).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PLATFORM_LABEL, SLOT_LABEL } from "../../../config/naming";
import { afterFlush, BACKEND_IMAGE, BROKEN_BACKEND_IMAGE, NGINX_IMAGE, POSTGRES_IMAGE, certificate, network, needsImages, ok, opsRoot, removeContainers, sh, startNginx, startPostgres, waitFor } from "../../support/ops";

const P = "opstest-status";
const PG = `${P}-postgres`;
const NGINX = `${P}-nginx`;
const NET = `${P}-net`;
const APP = { front: `${P}-opsapp-frontend`, back: `${P}-opsapp-backend`, broken: `${P}-opsapp-broken` };
const DOMAIN = "status.example.test";
const skip = needsImages(POSTGRES_IMAGE, NGINX_IMAGE, BACKEND_IMAGE, BROKEN_BACKEND_IMAGE);
// The test runs a backend image as the frontend too: it listens on 3000.
const app = (name: string) => ({ name, frontend: { image: "ghcr.io/x/f:1", healthPath: "/health", port: 3000 }, backend: { image: "ghcr.io/x/b:1" } });
const ops = skip ? undefined : opsRoot({ domain: DOMAIN, apps: [app("opsapp")] });
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
/** What a release leaves: the service's container labelled with its slot, and that slot live (blue: no marker). */
const releaseLabels = (service: string, slot = "blue") => ["--label", `${PLATFORM_LABEL}=app:opsapp:${service}`, "--label", `${SLOT_LABEL}=${slot}`];
/** Switch the backend's live slot (a release does this with the same file). */
const liveSlot = (slot: "blue" | "green") => {
    const marker = path.join(ops!.root, "nginx-upstreams", "opsapp-backend.green");
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    if (slot === "green") fs.writeFileSync(marker, "");
    else fs.rmSync(marker, { force: true });
};

before(() => {
    if (skip) return;
    network(NET);
    startPostgres(PG);
    startNginx(NGINX, ops!.root, NET);
    for (const [name, image, labels] of [[APP.front, BACKEND_IMAGE, releaseLabels("frontend")], [APP.back, BACKEND_IMAGE, releaseLabels("backend")], [APP.broken, BROKEN_BACKEND_IMAGE, releaseLabels("backend", "green")]] as const) {
        removeContainers(name);
        ok("docker", ["run", "-d", "--name", name, "--label", "opstest=1", ...labels, "--network", NET, image]);
    }
    for (const name of [APP.front, APP.back, APP.broken]) waitFor(() => sh("docker", ["exec", NGINX, "curl", "-sS", "-o", "/dev/null", `http://${name}:3000/health`]).code === 0, 30_000, `${name} up`);
    certificate(ops!.root, DOMAIN, 60);
    // Some traffic for the log summary.
    for (let i = 0; i < 5; i++) sh("docker", ["exec", NGINX, "curl", "-s", "-o", "/dev/null", "http://127.0.0.1/opsapp/"]);
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
    for (const [g, n] of [["containers", NGINX], ["containers", PG], ["health", "nginx /health"], ["health", "opsapp frontend"], ["health", "opsapp backend"], ["database", "pg_isready"], ["database", "connections"], ["certificates", DOMAIN], ["traffic", "nginx responses"]])
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
        assert.match(find(r.checks, "health", "opsapp backend")!.summary, new RegExp(`container ${APP.back} is not running \\(exited\\)`));
        assert.match(r.text, /^platform RED at /);
        assert.match(r.text, /FAIL health +opsapp backend/);
    } finally {
        ok("docker", ["start", APP.back]);
    }
});

test("a failing health endpoint turns the report red", { skip }, () => {
    liveSlot("green");
    try {
        const r = report();
        assert.equal(r.status, "red", r.text);
        assert.equal(r.code, 1);
        assert.match(find(r.checks, "health", "opsapp backend")!.summary, new RegExp(`/health on ${APP.broken}: HTTP 500`));
    } finally {
        liveSlot("blue");
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
