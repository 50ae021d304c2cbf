// A renewed certificate is served without reloading nginx: the production renewal job (certbot
// stood in for by tests/support/certbot-rotate.sh, which writes archive files and swaps the live/
// symlinks as certbot does) against real nginx on the platform's rendered config. New handshakes
// get the new certificate within the cache's `valid`, nginx's processes are the same ones, and a
// keep-alive connection left idle across the renewal still answers, with no reconnect.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import * as tls from "node:tls";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { renewCertificateScript } from "../../../render/tls/renew";
import { NGINX_WORKER_UID } from "../../../render/nginx/cert-access";

const DOMAIN = "renew.example.test";
/** A safety bound, not a timing claim: the cache's `valid` (CERT_CACHE_VALID_SECONDS, 10 s) and room for a loaded machine. */
const PICKUP_BOUND_SECONDS = 45;
const ROTATE = path.join(__dirname, "../../support/certbot-rotate.sh");
const skip = needs("docker", "openssl", "setfacl", "getfacl", "flock", "strace", "root") || needsImages(h.NGINX_IMAGE);

let sb: h.Sandbox;
let nginx: h.RunningNginx;
let backend: h.Echo;

const certs = () => path.join(sb.root, "certs");
const certbot = () => `${ROTATE} --config-dir ${certs()}`;

/** The serial of the certificate a brand-new TLS connection is given. */
function servedSerial(): Promise<string> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: sb.ports.https, servername: DOMAIN, rejectUnauthorized: false }, () => {
            resolve(s.getPeerCertificate().serialNumber);
            s.end();
        });
        s.on("error", reject);
    });
}

const diskSerial = () =>
    new (require("node:crypto").X509Certificate)(fs.readFileSync(path.join(certs(), "live", DOMAIN, "cert.pem"))).serialNumber as string;

/** Poll new connections until they present `serial` or `seconds` pass; the last serial seen. */
async function servedWithin(serial: string, seconds: number): Promise<string> {
    let seen = "";
    for (const end = Date.now() + seconds * 1000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
        seen = await servedSerial().catch((e) => `error: ${e.message}`);
        if (seen === serial) break;
    }
    return seen;
}

/** nginx's child processes, each with its title ("nginx: worker process", "... is shutting down"). */
function workers(): { pid: number; title: string }[] {
    const raw = fs.readFileSync(`/proc/${nginx.masterPid}/task/${nginx.masterPid}/children`, "utf8");
    return raw.trim().split(/\s+/).filter(Boolean).map(Number).sort().map((pid) => {
        let title = "gone";
        try {
            title = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
        } catch {}
        return { pid, title };
    });
}

/** One GET on `agent`; whether it went over a reused connection. */
function get(agent: https.Agent): Promise<{ status: number; reused: boolean }> {
    return new Promise((resolve, reject) => {
        const req = https.get({ host: "127.0.0.1", port: sb.ports.https, path: "/api/app1/items", servername: DOMAIN, headers: { host: DOMAIN }, agent, rejectUnauthorized: false }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on("error", reject);
    });
}

function runRenewal() {
    const text = renewCertificateScript({ root: sb.root, domain: DOMAIN, aliases: [], certbotImage: "unused", paths: sb.options.paths }, "exit 99");
    return spawnSync("/bin/bash", ["-c", `set -euo pipefail\n${text}`], {
        encoding: "utf8",
        env: { ...process.env, CERTBOT: certbot(), PATH: `${h.dockerShim(sb)}:${process.env.PATH}` },
        timeout: 120_000,
    });
}

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    backend = await h.slot(sb, "app1", "backend");
    // The lineage certbot's first issuance leaves; the delivery then makes no bootstrap certificate
    // and grants nginx's read: a server that has had its certificate for a while.
    const issued = spawnSync("/bin/bash", [ROTATE, "--config-dir", certs(), "certonly", "--cert-name", DOMAIN], { encoding: "utf8" });
    assert.equal(issued.status, 0, issued.stderr);
    nginx = await h.serve(sb, h.config({ domain: DOMAIN, apps: [h.app("app1", {}, sb)] }));
    assert.equal(await servedSerial(), diskSerial(), "the first lineage is served");
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    await backend?.close();
    h.cleanup(sb);
});

test("renewal: new handshakes get the renewed certificate, nginx is not reloaded, and an idle keep-alive connection still answers", { skip }, async () => {
    const oldSerial = diskSerial();
    const before = workers();
    assert.ok(before.length === sb.options.workerProcesses && before.every((w) => w.title === "nginx: worker process"), JSON.stringify(before));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(agent);
    assert.equal(first.status, 200);

    const job = runRenewal();
    assert.equal(job.status, 0, job.stdout + job.stderr);
    assert.match(job.stdout, /certificate renew\.example\.test renewed/);
    const newSerial = diskSerial();
    assert.notEqual(newSerial, oldSerial, "certbot's stand-in wrote a new certificate");

    // Within the cache's `valid` (and a margin for a loaded machine), with no reload.
    assert.equal(await servedWithin(newSerial, PICKUP_BOUND_SECONDS), newSerial, "a new connection presents the renewed certificate");
    assert.deepEqual(workers(), before, "the same nginx workers, none shutting down: no reload happened");
    assert.match(fs.readFileSync(`/proc/${nginx.masterPid}/cmdline`, "utf8"), /^nginx: master/, "the same nginx master");

    const later = await get(agent);
    assert.deepEqual(later, { status: 200, reused: true }, "the connection left idle across the renewal answered, no reconnect");
    agent.destroy();
    assert.doesNotMatch(job.stdout + job.stderr, /nginx reloaded/);
});

test("the renewed key is readable by nginx's worker uid and by no group or other user", { skip }, () => {
    const key = fs.realpathSync(path.join(certs(), "live", DOMAIN, "privkey.pem"));
    assert.match(path.basename(key), /^privkey[2-9]\d*\.pem$/, "the renewed key, in certbot's archive");
    const mode = fs.statSync(key).mode;
    assert.equal(mode & 0o007, 0, `no access for others (mode ${(mode & 0o777).toString(8)})`);
    const acl = spawnSync("getfacl", ["-cpn", key], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    assert.ok(acl.includes(`user:${NGINX_WORKER_UID}:r--`), acl.join("\n"));
    assert.ok(acl.includes("group::---"), `the owning group reads nothing:\n${acl.join("\n")}`);
    assert.ok(acl.includes("other::---"), acl.join("\n"));
    assert.deepEqual(acl.filter((l) => /^(user|group):[^:]+:/.test(l) && !l.startsWith(`user:${NGINX_WORKER_UID}:`)), [], "no other named entry");
});

test("the certificate cache: many handshakes, each file opened at most once (no per-handshake read)", { skip }, async () => {
    const [worker] = workers();
    const trace = path.join(sb.dir, "strace.txt");
    const st = spawn("strace", ["-f", "-p", String(worker.pid), "-e", "trace=openat,open", "-o", trace], { stdio: "ignore" });
    try {
        // strace has attached once it has written its first line or the worker has been seized.
        for (const end = Date.now() + 10_000; !/TracerPid:\s+[1-9]/.test(fs.readFileSync(`/proc/${worker.pid}/status`, "utf8")) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
        const r = spawnSync("openssl", ["s_time", "-connect", `127.0.0.1:${sb.ports.https}`, "-new", "-time", "4"], { encoding: "utf8", timeout: 60_000 });
        const handshakes = Number(/(\d+) connections in/.exec(r.stdout)?.[1] ?? 0);
        assert.ok(handshakes >= 50, `enough full handshakes to tell (${handshakes}):\n${r.stdout}${r.stderr}`);
    } finally {
        st.kill("SIGINT");
        await new Promise((r) => st.once("exit", r));
    }
    const opens = fs.readFileSync(trace, "utf8").split("\n").filter((l) => /open(at)?\(.*\/live\/renew\.example\.test\//.test(l));
    // Without the cache a worker opens the certificate and the key at every handshake.
    assert.ok(opens.length <= 2, `certificate files opened ${opens.length} times:\n${opens.slice(0, 5).join("\n")}`);
});
