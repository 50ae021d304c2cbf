// A certificate renewal under load, the way production renews: `up` with ACME on (Pebble, a real
// ACME server, stands in for Let's Encrypt; certbot from Debian for the certbot image) issues the
// first certificate, then the scheduled renewal job the platform rendered (bin/run-job cert-renew)
// renews it while every client of the release scenarios runs, plus one that opens a new TLS
// connection per request. Recorded: the serial new handshakes get before and after, nginx's
// processes before and after (a reload starts new workers), what nginx logged meanwhile, and what
// each client lost. tests/e2e/platform.test.ts asserts the outcome.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { X509Certificate } from "node:crypto";
import type { LocalPlatform, RawConfig } from "../platform";
import { run } from "../applier";
import { startLoad } from "../load";
import { startProber } from "../prober";
import { idleConnection } from "../idle-connection";
import { CERTBOT_VOLUME, NGINX_SERVER } from "../../../config/naming";
import { CERTBOT_STATE_DIR, LETSENCRYPT_DIR } from "../../../render/tls/certbot";
import { RENEW_JOB } from "../../../render/tls/renew";
import { IN_CONTAINER, NGINX_LOGS_DIR, certLiveDir } from "../../../render/nginx/layout";
import { JOB_LOGS_DIR, JOB_STATE_DIR } from "../../../render/schedule";
import { startPebble } from "../../../tests/support/pebble";
import { LOAD_PATHS, startForeignClients } from "./releases";
import { sleep } from "./common";

/** Inside certbot's 30-day window: the scheduled job renews for real, with no flag. */
const VALIDITY_DAYS = 20;
/** Pebble's ports: in the end-to-end run's band, above the test clusters' (tests/support/postgres.ts). */
const PEBBLE_PORTS = { acme: 32100, management: 32101, dns: 32102, dnsManagement: 32103 };
/** A safety bound, not a timing claim: the certificate cache's `valid` (10 s) and room for a loaded machine. */
const PICKUP_BOUND_SECONDS = 45;
/** New handshakes in a row that must present the renewed certificate (each worker has its own cache). */
const STEADY_HANDSHAKES = 8;
/** h2load runs this long whatever happens (it cannot be stopped with its summary): renewal and pickup fit inside. */
const H2LOAD_SECONDS = 45;
const WRK_MAX_SECONDS = 120;
/** New connections, one TLS handshake per request, on routes that only read. */
const HANDSHAKE_PATHS = ["/health", "/app1/", "/api/app1/health"];
const CERTBOT_ON_HOST = path.resolve(__dirname, "../certbot-on-host.sh");

/** The certificate a brand-new TLS connection is given: its serial and issuer. */
function served(p: LocalPlatform): Promise<{ serial: string; issuer: string }> {
    return new Promise((resolve) => {
        const s = tls.connect({ host: "127.0.0.1", port: p.cfg.proxy.httpsPort, servername: p.cfg.domain, rejectUnauthorized: false }, () => {
            const c = s.getPeerCertificate();
            resolve({ serial: c.serialNumber, issuer: String(c.issuer?.CN ?? "") });
            s.end();
        });
        s.on("error", (e) => resolve({ serial: `error: ${e.message}`, issuer: "" }));
    });
}

/** The serial of the certificate in the lineage nginx is configured with. */
const diskSerial = (p: LocalPlatform) => new X509Certificate(fs.readFileSync(path.join(certLiveDir(path.join(p.root, LETSENCRYPT_DIR), p.cfg.domain), "cert.pem"))).serialNumber;

/** Polls new handshakes until STEADY_HANDSHAKES in a row present `serial`; the last one seen and when. */
async function servedSteadily(p: LocalPlatform, serial: string, seconds = PICKUP_BOUND_SECONDS) {
    let seen = { serial: "", issuer: "" };
    let streak = 0;
    for (const end = Date.now() + seconds * 1000; streak < STEADY_HANDSHAKES && Date.now() < end; await sleep(100)) {
        seen = await served(p);
        streak = seen.serial === serial ? streak + 1 : 0;
    }
    return { ...seen, at: Date.now() };
}

/**
 * nginx's processes in its server containers (`docker top`, pids as the host sees them): a reload
 * starts new workers. The servers, not the holder (mhylle-nginx runs only a sleep).
 */
async function nginxProcesses(): Promise<string[]> {
    const servers = (await run("docker", ["ps", "--filter", `name=^${NGINX_SERVER}-`, "--format", "{{.Names}}"])).stdout.trim().split("\n").filter(Boolean);
    const lines: string[] = [];
    for (const server of servers) lines.push(...(await run("docker", ["top", server, "-o", "pid,args"])).stdout.trim().split("\n").slice(1));
    return lines.map((l) => l.trim().replace(/\s+/, " ")).filter((l) => / nginx: /.test(l)).sort();
}

const errorLog = (p: LocalPlatform) => path.join(p.root, NGINX_LOGS_DIR, "error.log");
const logSize = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
const linesAfter = (file: string, offset: number) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").slice(offset).split("\n").filter(Boolean) : []);

/**
 * Pebble on loopback, and the variables the production scripts read for tests (render/tls): certbot
 * on this machine, a DNS answer of this machine for the issuance's check, Pebble's HTTPS trusted.
 */
async function withPebble<T>(p: LocalPlatform, f: (directoryUrl: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mhylle-e2e-pebble-"));
    const pebble = await startPebble(dir, { ...PEBBLE_PORTS, http: p.cfg.proxy.httpPort }, VALIDITY_DAYS * 86400);
    const dns = path.join(dir, "dns-lookup");
    fs.writeFileSync(dns, "#!/bin/sh\necho 127.0.0.1\n", { mode: 0o755 });
    const certbot = [CERTBOT_ON_HOST, path.join(p.root, LETSENCRYPT_DIR), path.join(p.root, CERTBOT_STATE_DIR), CERTBOT_VOLUME, IN_CONTAINER.acmeWebroot].join(" ");
    const vars: Record<string, string> = { CERTBOT: certbot, DNS_LOOKUP: dns, REQUESTS_CA_BUNDLE: pebble.listenerCaFile };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
        return await f(pebble.directoryUrl);
    } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
        else process.env[k] = v;
        pebble.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `up` with ACME on: the first issuance (it reloads nginx, as on a new server), then nginx settled on it. */
async function issue(p: LocalPlatform, keep: (raw: RawConfig) => void, directoryUrl: string) {
    const up = await p.up((raw) => (keep(raw), (raw.acme = { enabled: true, directory: directoryUrl, email: "admin@example.test" })));
    if (!up.ok) return { ok: false, error: up.error ?? "", serial: "", issuer: "", processes: [] as string[], commandsRun: [] as string[] };
    const first = await servedSteadily(p, diskSerial(p));
    // The issuance's reload leaves old workers finishing: wait (bounded) until only the new ones are left.
    let processes = await nginxProcesses();
    for (let i = 0; i < 100 && processes.some((l) => /shutting down/.test(l)); i++) processes = (await sleep(100), await nginxProcesses());
    return { ok: true, error: "", serial: first.serial, issuer: first.issuer, processes, commandsRun: up.commands.map((c) => c.name).sort() };
}

/** The renewal job under load; every client starts before it and runs on until the new certificate is served. */
async function renewUnderLoad(p: LocalPlatform) {
    const load = startLoad(p.baseUrl, LOAD_PATHS);
    const foreign = startForeignClients(p.baseUrl, { wrkSeconds: WRK_MAX_SECONDS, h2loadSeconds: H2LOAD_SECONDS });
    const handshakes = startProber(p.baseUrl, HANDSHAKE_PATHS);
    const idle = await idleConnection(p.baseUrl, "/api/app1/items");
    await sleep(2000);
    const processesBefore = await nginxProcesses();
    const serialBefore = (await served(p)).serial;
    const logOffset = logSize(errorLog(p));
    const jobLogOffset = logSize(path.join(p.root, JOB_LOGS_DIR, `${RENEW_JOB}.log`));
    const startedAt = Date.now();
    const job = await run(path.join(p.root, "bin/run-job"), [RENEW_JOB]);
    const jobSeconds = (Date.now() - startedAt) / 1000;
    const renewedSerial = diskSerial(p);
    const after = await servedSteadily(p, renewedSerial);
    const processesAfter = await nginxProcesses();
    const idleAfterRenewal = await idle.next();
    await sleep(3000);
    const [clients, loadResult, probes] = await Promise.all([foreign.stop(), load.stop(), handshakes.stop()]);
    const spans = [...clients.map((c) => ({ client: c.client, from: c.startedAt, to: c.startedAt + c.seconds * 1000 })), { client: "autocannon", from: loadResult.startedAt, to: loadResult.endedAt }];
    return {
        jobCode: job.code,
        jobLog: linesAfter(path.join(p.root, JOB_LOGS_DIR, `${RENEW_JOB}.log`), jobLogOffset).slice(-15),
        jobStatus: fs.readFileSync(path.join(p.root, JOB_STATE_DIR, `${RENEW_JOB}.status`), "utf8").trim(),
        jobSeconds,
        serialBefore,
        renewedSerial,
        servedAfter: after.serial,
        pickupSeconds: (after.at - startedAt) / 1000,
        processesBefore,
        processesAfter,
        // Idle slots' names not resolving is expected noise; a certificate or key nginx cannot load is not.
        certificateErrors: linesAfter(errorLog(p), logOffset).filter((l) => /ssl|certificate|pem|key/i.test(l)),
        idleAfterRenewal,
        load: loadResult,
        clients: clients.map(({ output: _output, ...c }) => c),
        newConnections: { requests: probes.requests, lost: probes.lost },
        clientsAroundRenewal: spans.map((s) => ({ client: s.client, startedBefore: (startedAt - s.from) / 1000, endedAfter: (s.to - after.at) / 1000 })),
    };
}

export async function certificateRenewal(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    return withPebble(p, async (directoryUrl) => {
        log(`certificates from Pebble (${directoryUrl}): up with acme enabled issues the first one`);
        const issued = await issue(p, keep, directoryUrl);
        if (!issued.ok) return { issued, renewal: null, requests: 0, failed: 0 };
        log("renewing it with the scheduled job (bin/run-job cert-renew) under load from every client");
        const renewal = await renewUnderLoad(p);
        const all = [...renewal.clients, { client: "autocannon", ...renewal.load }, { client: "strict", ...renewal.load.strict }, { client: "new connections", requests: renewal.newConnections.requests, failed: renewal.newConnections.lost, non2xx: 0 }];
        return {
            issued,
            renewal,
            /** Figures: requests sent while the renewal ran and the new certificate spread, and how many got no 2xx. */
            requests: all.reduce((a, c) => a + c.requests, 0),
            failed: all.reduce((a, c) => a + c.failed + c.non2xx, 0),
        };
    });
}
