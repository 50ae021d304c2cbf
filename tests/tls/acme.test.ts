// The production certificate scripts against a real ACME server (Pebble), Debian's certbot and
// real nginx in a container: issue, serve, fail safely, stay idempotent, renew and reload under
// load, back up, report expiry, and pass testssl.sh.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { needs } from "../support/requirements";
import { jobFiles } from "../../render/schedule";
import { issueCertificateScript } from "../../render/tls/issue";
import { renewalJob } from "../../render/tls/renew";
import { expiryJob } from "../../render/tls/expiry";
import { Pebble, startPebble } from "./support/pebble";
import { ensureNginxImage, startNginx, TestNginx } from "./support/nginx";
import { servedCertificate, underLoad } from "./support/probe";

const DOMAIN = "tls.example.test";
const ALIASES = ["www.tls.example.test"];
// Uncommon loopback ports: other work trees run their own servers on this machine.
const PORTS = { acme: 14180, management: 15180, dns: 8183, dnsManagement: 8185, http: 5182 };
const HTTPS_PORT = 5181;
// 20 days: inside certbot's 30-day renewal window, so the scheduled job renews for real.
const VALIDITY_DAYS = 20;

const skip = needs("docker", "pebble", "pebble-challtestsrv", "certbot", "openssl", "testssl", "ldd", "flock");

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

describe("certificates against Pebble, certbot and nginx", { skip }, () => {
    let dir: string;
    let root: string;
    let webroot: string;
    let pebble: Pebble;
    let nginx: TestNginx;
    let env: NodeJS.ProcessEnv;
    let bootstrap: string;

    const tls = (aliases = ALIASES) => ({ root, domain: DOMAIN, aliases, certbotImage: "certbot/certbot:v3.3.0" });
    const run = (file: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> => {
        const t0 = Date.now();
        return new Promise((resolve) =>
            execFile(file, args, { env: { ...env, ...extraEnv }, encoding: "utf8" }, (err, stdout, stderr) =>
                resolve({ code: err ? ((err as any).code as number) ?? 1 : 0, stdout, stderr, ms: Date.now() - t0 }),
            ),
        );
    };
    const issueScript = (aliases = ALIASES) => issueCertificateScript({ ...tls(aliases), directoryUrl: pebble.directoryUrl, email: "admin@example.test" });
    /** The issuance command's script as Pulumi would run it. */
    const issue = (aliases = ALIASES, extraEnv: NodeJS.ProcessEnv = {}) => {
        const file = path.join(dir, `issue-${aliases.length}.sh`);
        fs.writeFileSync(file, "#!/usr/bin/env bash\n" + issueScript(aliases), { mode: 0o755 });
        return run(file, [], extraEnv);
    };
    const live = (f: string) => path.join(root, "certs/live", DOMAIN, f);
    const served = () => servedCertificate(HTTPS_PORT, DOMAIN, pebble.rootCaFile);
    /** `nginx -s reload` returns before the new workers take over: wait (bounded) for the switch. */
    const servedOnceChanged = async (from: string) => {
        const t0 = Date.now();
        for (;;) {
            const s = await served();
            if (s.fingerprint !== from || Date.now() - t0 > 5000) return { ...s, switchMs: Date.now() - t0 };
            await new Promise((r) => setTimeout(r, 50));
        }
    };

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tlstest-"));
        root = path.join(dir, "platform");
        webroot = path.join(dir, "certbot-data");
        fs.mkdirSync(webroot, { recursive: true });
        pebble = await startPebble(path.join(dir, "pebble"), PORTS, VALIDITY_DAYS * 86400);
        // What the proxy's config delivery does on a fresh server: a self-signed bootstrap certificate.
        fs.mkdirSync(live(""), { recursive: true });
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", `/CN=${DOMAIN}/O=Bootstrap`,
            "-addext", `subjectAltName=DNS:${DOMAIN}`, "-keyout", live("privkey.pem"), "-out", live("fullchain.pem")], { stdio: "ignore" });
        bootstrap = fs.readFileSync(live("fullchain.pem"), "utf8");
        // The scheduler's files, as installed on the server.
        fs.mkdirSync(path.join(root, "bin"), { recursive: true });
        for (const f of jobFiles(root, [renewalJob(tls(), issueScript()), expiryJob({ ...tls(), warnDays: 14 })])) fs.writeFileSync(path.join(root, "bin", f.path), f.content, { mode: 0o755 });
        ensureNginxImage();
        nginx = startNginx({ name: "tlstest-nginx", root, webroot, domain: DOMAIN, httpPort: PORTS.http, httpsPort: HTTPS_PORT });
        env = {
            ...process.env,
            // The production scripts, with certbot from Debian instead of the certbot image.
            CERTBOT: `certbot --config-dir ${root}/certs --work-dir ${root}/state/certbot/work --logs-dir ${root}/state/certbot/logs`,
            ACME_WEBROOT: webroot,
            NGINX_CONTAINER: nginx.name,
            REQUESTS_CA_BUNDLE: pebble.listenerCaFile,
        };
        const end = Date.now() + 10_000;
        for (;;) {
            try {
                await servedCertificate(HTTPS_PORT, DOMAIN, pebble.rootCaFile);
                break;
            } catch (err) {
                if (Date.now() > end) throw err;
                await new Promise((r) => setTimeout(r, 100));
            }
        }
    });

    after(() => {
        if (process.env.TLSTEST_KEEP) return console.log(`# kept ${dir} and ${nginx?.name} (TLSTEST_KEEP)`);
        nginx?.stop();
        pebble?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("nginx starts on the bootstrap certificate before any real one exists", async () => {
        const s = await served();
        assert.match(s.issuer, /O=Bootstrap/);
        assert.equal(s.authorized, false);
    });

    test("a failed challenge fails with certbot's message and puts the bootstrap back (renewal job before any certificate)", async () => {
        // As when DNS did not point at the server yet during `pulumi up`: the twice-daily job retries.
        const empty = fs.mkdtempSync(path.join(dir, "not-served-"));
        const r = await run(path.join(root, "bin/run-job"), ["cert-renew"], { ACME_WEBROOT: empty });
        assert.equal(r.code, 1);
        const log = fs.readFileSync(path.join(root, "logs/jobs/cert-renew.log"), "utf8");
        assert.match(log, /no Let's Encrypt certificate for tls\.example\.test yet: issuing the first one/);
        assert.match(log, /nginx keeps serving the bootstrap certificate/);
        assert.match(log, /Some challenges have failed|unauthorized|404/i);
        assert.match(fs.readFileSync(path.join(root, "state/jobs/cert-renew.status"), "utf8"), /^1 /);
        assert.equal(fs.readFileSync(live("fullchain.pem"), "utf8"), bootstrap);
        assert.ok(!fs.existsSync(path.join(root, "certs/renewal", `${DOMAIN}.conf`)));
        assert.ok(!fs.existsSync(path.join(root, "backups/certs")), "nothing to back up yet");
        assert.match((await served()).issuer, /O=Bootstrap/);
    });

    test("issuance: nginx switches to the Pebble-issued chain without a restart", async () => {
        const started = nginx.startedAt();
        const bootstrapServed = await served();
        const r = await issue();
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /nginx reloaded/);
        const switched = await servedOnceChanged(bootstrapServed.fingerprint);
        assert.equal(nginx.startedAt(), started, "container was not restarted");
        assert.ok(fs.lstatSync(live("fullchain.pem")).isSymbolicLink(), "live/ is a certbot lineage");
        // openssl s_client sees the chain and verifies it against Pebble's root.
        const sclient = execFileSync("openssl", ["s_client", "-connect", `127.0.0.1:${HTTPS_PORT}`, "-servername", DOMAIN, "-CAfile", pebble.rootCaFile, "-showcerts"], { input: "", encoding: "utf8", stdio: ["pipe", "pipe", "ignore"] });
        assert.match(sclient, /i:CN = Pebble Intermediate CA/);
        assert.match(sclient, /Verify return code: 0 \(ok\)/);
        assert.equal(switched.authorized, true, switched.error);
        assert.deepEqual(switched.names, [DOMAIN, ...ALIASES].sort());
        console.log(`# issuance took ${r.ms} ms; nginx served the new chain ${switched.switchMs} ms after the script ended`);
    });

    test("issuance is idempotent: a second run changes nothing and calls no CA", async () => {
        const before = fs.readlinkSync(live("fullchain.pem"));
        const r = await issue();
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /already there; nothing to do/);
        assert.equal(fs.readlinkSync(live("fullchain.pem")), before);
    });

    test("a new alias in config gets a certificate covering it, in the same lineage", async () => {
        const aliases = [...ALIASES, "extra.tls.example.test"];
        const before = await served();
        const r = await issue(aliases);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.deepEqual((await servedOnceChanged(before.fingerprint)).names, [DOMAIN, ...aliases].sort());
        assert.ok(!fs.existsSync(path.join(root, "certs/live", `${DOMAIN}-0001`)), "no second lineage");
        assert.equal((await issue()).code, 0, "back to the configured names");
    });

    test("renewal job under HTTPS load: new chain served after a reload, zero failed requests for autocannon, no TLS error", async () => {
        const before = await served();
        const started = nginx.startedAt();
        let job: Run | undefined;
        const load = await underLoad({ port: HTTPS_PORT, servername: DOMAIN, caFile: pebble.rootCaFile, after: 3 }, async () => {
            job = await run(path.join(root, "bin/run-job"), ["cert-renew"]);
        });
        assert.ok(job);
        const log = fs.readFileSync(path.join(root, "logs/jobs/cert-renew.log"), "utf8");
        assert.equal(job.code, 0, log);
        assert.match(log, /certificate tls\.example\.test renewed/);
        assert.match(log, /nginx reloaded/);
        assert.match(fs.readFileSync(path.join(root, "state/jobs/cert-renew.status"), "utf8"), /^0 /);
        const after = await servedOnceChanged(before.fingerprint);
        assert.notEqual(after.fingerprint, before.fingerprint, "a new certificate is served");
        assert.equal(after.authorized, true, after.error);
        assert.equal(nginx.startedAt(), started, "reloaded, not restarted");
        console.log(`# renewal under load: ${JSON.stringify({ jobMs: job.ms, ...load })}`);
        assert.ok(load.autocannon.requests > 500, `enough load (${load.autocannon.requests} requests)`);
        assert.deepEqual([load.autocannon.errors, load.autocannon.timeouts, load.autocannon.non2xx], [0, 0, 0], "autocannon: no failed request");
        // The verifying client: never a TLS error or a wrong answer. Connections nginx's old
        // workers close unanswered at the reload are measured, reported, and must stay rare.
        assert.deepEqual(load.verified.otherErrors, [], "verified client: no TLS error, no non-200");
        assert.ok(load.verified.unanswered <= load.verified.ok / 200, `verified client: ${load.verified.unanswered} unanswered closes`);
        assert.ok(load.verified.certificates >= 2, "the verified client saw the old and the new certificate");
    });

    test("a renewal that changes nothing does not reload; backups are taken and only the last 14 kept", async () => {
        const backups = path.join(root, "backups/certs");
        for (let i = 10; i < 30; i++) fs.writeFileSync(path.join(backups, `certs-202001${i}T000000000000000Z.tar.gz`), "old");
        // A dry run talks to the CA but saves nothing (certbot would use LE staging without --server).
        const r = await run(path.join(root, "bin/cert-renew.sh"), ["--dry-run", "--server", pebble.directoryUrl]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /unchanged; nginx not reloaded/);
        const kept = fs.readdirSync(backups).sort();
        assert.equal(kept.length, 14);
        const newest = path.join(backups, kept[kept.length - 1]);
        assert.ok(!kept[kept.length - 1].startsWith("certs-2020"), "the new backup is kept");
        assert.equal(fs.statSync(newest).mode & 0o077, 0, "backups hold private keys: owner only");
        const listing = execFileSync("tar", ["-tzvf", newest], { encoding: "utf8" });
        assert.match(listing, new RegExp(`certs/live/${DOMAIN.replace(/\./g, "\\.")}/privkey\\.pem -> \\.\\./\\.\\./archive/`));
        assert.match(listing, /certs\/renewal\/tls\.example\.test\.conf/);
    });

    test("expiry check on the issued certificate: Pebble issuer, days left, ok", async () => {
        const r = await run(path.join(root, "bin/cert-expiry.sh"));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(lines.map((l) => l.domain), [DOMAIN, ...ALIASES]);
        for (const l of lines) {
            assert.ok(l.daysLeft === VALIDITY_DAYS - 1 || l.daysLeft === VALIDITY_DAYS, String(l.daysLeft));
            assert.match(l.issuer, /Pebble Intermediate CA/);
            assert.equal(l.ok, true);
        }
        assert.equal((await run(path.join(root, "bin/cert-expiry.sh"), ["30"])).code, 1, "below a 30-day threshold it fails");
    });

    test("testssl.sh: nothing below TLS 1.2, no weak cipher class, HSTS present", { timeout: 240_000 }, async () => {
        const json = path.join(dir, "testssl.json");
        const r = await run("timeout", ["200", "testssl", "--quiet", "--color", "0", "--warnings", "off", "--fast", "--protocols", "--std", "--headers",
            "--jsonfile", json, `https://127.0.0.1:${HTTPS_PORT}/`]);
        assert.ok(fs.existsSync(json), r.stdout + r.stderr);
        const findings: { id: string; severity: string; finding: string }[] = JSON.parse(fs.readFileSync(json, "utf8"));
        const by = (id: string) => findings.find((f) => f.id === id)?.finding ?? `(no ${id})`;
        for (const p of ["SSLv2", "SSLv3", "TLS1", "TLS1_1"]) assert.match(by(p), /not offered/, p);
        for (const p of ["TLS1_2", "TLS1_3"]) assert.match(by(p), /^offered/, p);
        for (const c of ["cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"]) assert.match(by(c), /not offered/, c);
        assert.match(by("HSTS_time"), /730 days/);
        console.log(`# testssl.sh took ${r.ms} ms`);
    });
});
