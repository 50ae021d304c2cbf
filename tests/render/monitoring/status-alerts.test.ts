// Alerts from the status job against real containers, a local HTTPS webhook receiver and a local
// SMTP relay (STARTTLS, AUTH): a stopped app container gives exactly one red alert per channel and,
// once restarted, one all-clear; a failed or rolled-back release, a failed backup, a failed
// off-site copy and an expiring certificate each give theirs; a receiver that is down never breaks
// the job, the failure shows on the page, and the alert arrives once the receiver is back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { PLATFORM_LABEL, SLOT_LABEL } from "../../../config/naming";
import { BACKEND_IMAGE, NGINX_IMAGE, POSTGRES_IMAGE, afterFlush, certificate, network, needsImages, ok, opsRoot, removeContainers, sh, startNginx, startPostgres, waitFor } from "../../support/ops";
import { needs } from "../../support/requirements";
import { freePort } from "../../support/ports";
import { Mail, Webhook, certificateFor127, smtpSink, webhookReceiver } from "../../support/alert-sinks";
import { alertSecretsFile, installAlertSecretsScript } from "../../../render/monitoring/alert-secrets";
import { TEST_SERVER_ACCESS, TEST_AGE_RECIPIENT } from "../../support/prod-stack";
import { writeEvents } from "../../support/status";

const P = "opstest-alerts";
const PG = `${P}-postgres`, NGINX = `${P}-nginx`, NET = `${P}-net`;
const APP = { front: `${P}-opsapp-frontend`, back: `${P}-opsapp-backend` };
const DOMAIN = "alerts.example.test";
const TOKEN = "hook-token-5e1f0c";
const PASSWORD = "smtp pass: 'quoted' \\ $x";
const skip = needsImages(POSTGRES_IMAGE, NGINX_IMAGE, BACKEND_IMAGE) || needs("python3", "openssl");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-alerts-"));
const app = { name: "opsapp", frontend: { image: "ghcr.io/x/f:1", healthPath: "/health", port: 3000 }, backend: { image: "ghcr.io/x/b:1" } };
const labels = (service: string) => ["--label", `${PLATFORM_LABEL}=app:opsapp:${service}`, "--label", `${SLOT_LABEL}=blue`];

let ops: ReturnType<typeof opsRoot>, offsite: ReturnType<typeof opsRoot>;
let hook: Webhook, smtp: Awaited<ReturnType<typeof smtpSink>>;
let certFile = "";
const seen: Record<string, { hooks: any[]; mails: Mail[]; codes: number[] }> = {};
const runMs: number[] = [];

/** One status job run (async: the receivers live on this process's event loop). */
function statusJob(root: string, extraEnv: Record<string, string> = {}): Promise<number> {
    const t0 = Date.now();
    const env = { ...process.env, PLATFORM_ROOT: root, PLATFORM_POSTGRES_CONTAINER: PG, PLATFORM_NGINX_CONTAINER: NGINX, PLATFORM_CORE_CONTAINERS: `${NGINX} ${PG}`, SSL_CERT_FILE: certFile, ...extraEnv };
    return new Promise((resolve) => {
        const child = spawn(path.join(root, "bin/run-job"), ["status"], { env, stdio: "ignore" });
        child.on("exit", (code) => {
            runMs.push(Date.now() - t0);
            resolve(code ?? -1);
        });
    });
}

/** Runs the job `runs` times after `setup` and keeps what the receivers got meanwhile. */
async function phase(name: string, runs: number, setup: () => unknown = () => undefined, root = ops.root, env: Record<string, string> = {}) {
    await setup();
    const hooks = hook.posts.length, mails = smtp.mails.length;
    const codes: number[] = [];
    for (let i = 0; i < runs; i++) codes.push(await statusJob(root, env));
    seen[name] = { hooks: hook.posts.slice(hooks).map((p) => p.body), mails: smtp.mails.slice(mails), codes };
}

const titles = (name: string) => seen[name].hooks.map((b) => b.title);
const subjects = (name: string) => seen[name].mails.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1]);

function restart() {
    ok("docker", ["start", APP.back]);
    waitFor(() => sh("docker", ["exec", NGINX, "curl", "-fsS", "-o", "/dev/null", `http://${APP.back}:3000/health`]).code === 0, 30_000, `${APP.back} up`);
}

const release = (outcome: string, reason = "") => ({ t: Date.now() / 1000, app: "opsapp", service: "backend", image: `ghcr.io/x/b@sha256:${"c".repeat(64)}`, digest: `sha256:${"c".repeat(64)}`, outcome, container: "opsapp-backend-bbb", reason });

function installSecrets(root: string, webhookPort: number) {
    const r = sh("bash", ["-c", installAlertSecretsScript(root)], { input: alertSecretsFile({ webhookUrl: `https://127.0.0.1:${webhookPort}/hooks/${TOKEN}`, smtpPassword: PASSWORD }) });
    assert.equal(r.code, 0, r.stderr);
}

before(async () => {
    if (skip) return;
    const tlsCert = certificateFor127(dir);
    certFile = tlsCert.certFile;
    const [hookPort, smtpPort] = [await freePort(), await freePort()];
    hook = webhookReceiver(tlsCert, hookPort);
    await hook.start();
    smtp = await smtpSink(tlsCert, smtpPort);
    const alerts = { webhook: { enabled: true }, email: { enabled: true, host: "127.0.0.1", port: smtpPort, username: "alerts@example.test", from: "platform@example.test", to: ["ops@example.test"] } };
    ops = opsRoot({ domain: DOMAIN, apps: [app], monitoring: { alerts } });
    installSecrets(ops.root, hookPort);
    network(NET);
    startPostgres(PG);
    startNginx(NGINX, ops.root, NET);
    for (const [name, service] of [[APP.front, "frontend"], [APP.back, "backend"]]) {
        removeContainers(name);
        ok("docker", ["run", "-d", "--name", name, "--label", "opstest=1", ...labels(service), "--network", NET, BACKEND_IMAGE]);
        waitFor(() => sh("docker", ["exec", NGINX, "curl", "-sS", "-o", "/dev/null", `http://${name}:3000/health`]).code === 0, 30_000, `${name} up`);
    }
    certificate(ops.root, DOMAIN, 60);
    // A green baseline: a night's backup, two runs.
    ok(path.join(ops.root, "bin/run-job"), ["backup"], { env: { ...ops.env, PLATFORM_POSTGRES_CONTAINER: PG } });
    afterFlush();
    await phase("green", 2);
    await phase("stopped", 3, () => ok("docker", ["stop", "-t", "1", APP.back]));
    await phase("restarted", 3, () => restart());
    // The backup job itself fails (its database server is gone), exactly as cron runs it.
    await phase("backup", 1, () => sh(path.join(ops.root, "bin/run-job"), ["backup"], { env: { ...ops.env, PLATFORM_POSTGRES_CONTAINER: `${P}-missing` } }));
    await phase("backup again", 1);
    await phase("backup fixed", 2, () => ok(path.join(ops.root, "bin/run-job"), ["backup"], { env: { ...ops.env, PLATFORM_POSTGRES_CONTAINER: PG } }));
    // Release outcomes, as render/app/release.sh appends them: only the failed ones are news.
    await phase("releases", 1, () => writeEvents(ops.root, [release("released"), release("rolled-back", "rolled back to opsapp-backend-aaa after the switch: 30 of 40 responses were 5xx"), release("failed", "not healthy within 120s")]));
    await phase("certificate", 1, () => certificate(ops.root, DOMAIN, 3));
    await phase("certificate renewed", 2, () => certificate(ops.root, DOMAIN, 60));
    // The webhook receiver is down while the platform turns red: email still goes, the webhook waits.
    await phase("receiver down", 2, async () => {
        await hook.stop();
        ok("docker", ["stop", "-t", "1", APP.back]);
    });
    await phase("receiver back", 2, () => hook.start());
    await phase("recovered", 2, () => restart());
    // Off-site: a production-shaped root whose upload fails (docker run, the uploader, is intercepted).
    offsite = opsRoot({ target: "scaleway", domain: "mhylle.com", server: TEST_SERVER_ACCESS, backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } }, monitoring: { alerts: { webhook: { enabled: true } } } });
    installSecrets(offsite.root, hookPort);
    const fake = path.join(offsite.root, "fake");
    fs.mkdirSync(fake);
    const docker = sh("sh", ["-c", "command -v docker"]).stdout.trim();
    fs.writeFileSync(path.join(fake, "docker"), `#!/bin/sh\nif [ "$1" = run ]; then echo "Failed to copy: AccessDenied" >&2; exit 1; fi\nexec ${docker} "$@"\n`, { mode: 0o755 });
    const env = { PATH: `${fake}:${process.env.PATH}` };
    fs.mkdirSync(path.join(offsite.root, "secrets"), { recursive: true });
    fs.writeFileSync(path.join(offsite.root, "secrets/offsite.env"), "RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY=x\n", { mode: 0o600 });
    await phase("offsite", 1, () => sh(path.join(offsite.root, "bin/run-job"), ["backup"], { env: { ...offsite.env, ...env, PLATFORM_POSTGRES_CONTAINER: PG } }), offsite.root, env);
    // The job's own split (its log): the checks, then what this issue added.
    const split = [...fs.readFileSync(path.join(ops.root, "logs/jobs/status.log"), "utf8").matchAll(/checks ([0-9.]+) s, history, alerts and page ([0-9.]+) s/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    console.log(JSON.stringify({ figure: "status-job-ms", runs: runMs.length, median: median(runMs), max: Math.max(...runMs), checksMedianS: median(split.map((x) => x[0])), historyAlertsPageMedianS: median(split.map((x) => x[1])), historyAlertsPageMaxS: Math.max(...split.map((x) => x[1])) }));
});

after(async () => {
    removeContainers(PG, NGINX, APP.front, APP.back);
    sh("docker", ["network", "rm", NET]);
    await hook?.stop();
    smtp?.close();
    ops?.cleanup();
    offsite?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
});

test("a green platform sends nothing", { skip }, () => {
    assert.deepEqual(seen.green.hooks, []);
    assert.deepEqual(seen.green.mails, []);
});

test("a stopped app container: exactly one red alert per channel, after two red runs", { skip }, () => {
    const red = `${DOMAIN}: platform RED`;
    assert.deepEqual(titles("stopped"), [red]);
    assert.deepEqual(subjects("stopped"), [red]);
    assert.match(seen.stopped.hooks[0].text, new RegExp(`FAIL health opsapp backend: container ${APP.back} is not running`));
    assert.equal(seen.stopped.hooks[0].kind, "status-red");
    const mail = seen.stopped.mails[0];
    assert.deepEqual([mail.from, mail.to], ["platform@example.test", ["ops@example.test"]]);
    assert.deepEqual(mail.auth, { user: "alerts@example.test", password: PASSWORD, tls: true }, "the secret password, over TLS only");
});

test("restarted: exactly one all-clear per channel", { skip }, () => {
    assert.deepEqual(titles("restarted"), [`${DOMAIN}: platform back to GREEN`]);
    assert.deepEqual(subjects("restarted"), [`${DOMAIN}: platform back to GREEN`]);
});

test("a failed backup: one alert naming the cause, not repeated; the red report it causes gives the red alert", { skip }, () => {
    assert.deepEqual(titles("backup"), [`${DOMAIN}: backup failed`]);
    assert.match(seen.backup.hooks[0].text, /cannot list databases in opstest-alerts-missing/);
    assert.equal(seen.backup.mails.length, 1);
    assert.deepEqual(titles("backup again"), [`${DOMAIN}: platform RED`]);
    assert.deepEqual(titles("backup fixed"), [`${DOMAIN}: platform back to GREEN`]);
});

test("a rolled-back and a failed release: one alert each, naming the reason and the digest; a release that worked: none", { skip }, () => {
    assert.deepEqual(titles("releases"), [`${DOMAIN}: release of opsapp backend rolled back`, `${DOMAIN}: release of opsapp backend failed`]);
    assert.match(seen.releases.hooks[0].text, /30 of 40 responses were 5xx\nimage ghcr\.io\/x\/b@sha256:c{64} \(sha256:c{64}\)/);
    assert.equal(seen.releases.mails.length, 2);
});

test("a certificate under monitoring.certFailDays: one alert", { skip }, () => {
    assert.deepEqual(titles("certificate"), [`${DOMAIN}: certificate of ${DOMAIN} expires in 3 days`]);
    assert.deepEqual(titles("certificate renewed"), []);
});

test("a receiver that is down: the job still succeeds, the failure is on the page, email still goes", { skip }, () => {
    assert.deepEqual(seen["receiver down"].codes, [0, 0]);
    assert.deepEqual(subjects("receiver down"), [`${DOMAIN}: platform RED`]);
    const state = JSON.parse(fs.readFileSync(path.join(ops.root, "state/alerts.json"), "utf8"));
    const failure = state.failures.find((f: any) => f.channel === "webhook");
    assert.match(failure.error, /Connection refused/);
    const html = fs.readFileSync(path.join(ops.root, "status-page/index.html"), "utf8");
    assert.match(html, /<tr class="alert-failure"><td>[^<]*<\/td><td>webhook: alerts\.example\.test: platform RED<\/td><td class="st-fail">[^<]*Connection refused/);
    assert.ok(!JSON.stringify(state).includes(TOKEN) && !html.includes(TOKEN), "the webhook's token is in no error");
});

test("once the receiver is back, the waiting alert arrives exactly once", { skip }, () => {
    assert.deepEqual(titles("receiver back"), [`${DOMAIN}: platform RED`]);
    assert.deepEqual(subjects("receiver back"), []);
    assert.deepEqual(titles("recovered"), [`${DOMAIN}: platform back to GREEN`]);
});

test("a failed off-site copy: one alert naming the upload error", { skip }, () => {
    assert.deepEqual(titles("offsite"), ["mhylle.com: off-site backup copy failed"]);
    assert.match(seen.offsite.hooks[0].text, /AccessDenied/);
});

test("the webhook is posted to the secret URL, the token nowhere in the program or its config", { skip }, () => {
    assert.ok(hook.posts.every((p) => p.path === `/hooks/${TOKEN}`));
    const program = fs.readFileSync(path.join(ops.root, "bin/platform-status"), "utf8");
    assert.ok(!program.includes(TOKEN) && !program.includes(PASSWORD));
    assert.equal(fs.statSync(path.join(ops.root, "secrets/alerts.env")).mode & 0o777, 0o600);
});
