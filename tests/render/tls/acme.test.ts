// The production certificate scripts against a real ACME server (Pebble), Debian's certbot and
// real nginx running the platform's own rendered config (delivered by the production delivery
// script, which creates the bootstrap certificate): issue, serve, fail safely, stay idempotent,
// renew under load without a reload, back up, report expiry, and pass testssl.sh.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { X509Certificate } from "node:crypto";
import * as path from "node:path";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { jobFiles } from "../../../render/schedule";
import { TlsInput } from "../../../render/tls/certbot";
import { firstIssueJob, issueCertificateScript, SERVER_ADDRESS_FILE } from "../../../render/tls/issue";
import { renewalJob } from "../../../render/tls/renew";
import { expiryJob } from "../../../render/tls/expiry";
import { BOOTSTRAP_MARKER } from "../../../render/nginx/deliver";
import { Pebble, startPebble } from "../../support/pebble";
import { servedCertificate, underLoad } from "../../support/tls-probe";

const DOMAIN = "tls.example.test";
const ALIASES = ["www.tls.example.test"];
// 20 days: inside certbot's 30-day renewal window, so the scheduled job renews for real.
const VALIDITY_DAYS = 20;

const skip = needs("docker", "pebble", "pebble-challtestsrv", "certbot", "openssl", "testssl", "flock", "root") || needsImages(h.NGINX_IMAGE);

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

describe("certificates against Pebble, certbot and the platform's nginx", { skip }, () => {
    let sb: h.Sandbox;
    let pebble: Pebble;
    let nginx: h.RunningNginx;
    let env: NodeJS.ProcessEnv;
    let bootstrap: string;
    let dns: string;
    /** What every name resolves to, for the issuance's DNS check. */
    const setDns = (address: string) => fs.writeFileSync(dns, `#!/bin/bash\necho ${address}\n`, { mode: 0o755 });

    const tls = (aliases = ALIASES, webroot = sb.options.paths.acmeWebroot): TlsInput => ({
        root: sb.root,
        domain: DOMAIN,
        aliases,
        certbotImage: "certbot/certbot:v3.3.0",
        paths: { ...sb.options.paths, acmeWebroot: webroot },
    });
    const run = (file: string, args: string[] = []): Promise<Run> => {
        const t0 = Date.now();
        return new Promise((resolve) =>
            execFile(file, args, { env, encoding: "utf8" }, (err, stdout, stderr) =>
                resolve({ code: err ? ((err as any).code as number) ?? 1 : 0, stdout, stderr, ms: Date.now() - t0 }),
            ),
        );
    };
    const issueScript = (t: TlsInput) => issueCertificateScript({ ...t, directoryUrl: pebble.directoryUrl, email: "admin@example.test" });
    /** The issuance command's script as Pulumi would run it. */
    const issue = (aliases = ALIASES) => {
        const file = path.join(sb.dir, `issue-${aliases.length}.sh`);
        fs.writeFileSync(file, "#!/usr/bin/env bash\n" + issueScript(tls(aliases)), { mode: 0o755 });
        return run(file);
    };
    /** The scheduler's files, as installed on the server. */
    const installJobs = (t: TlsInput) => {
        fs.mkdirSync(path.join(sb.root, "bin"), { recursive: true });
        for (const f of jobFiles(sb.root, [renewalJob(t, issueScript(t)), firstIssueJob(t, issueScript(t)), expiryJob({ ...t, warnDays: 14 })])) fs.writeFileSync(path.join(sb.root, "bin", f.path), f.content, { mode: 0o755 });
    };
    const live = (f: string) => path.join(sb.root, "certs/live", DOMAIN, f);
    const masterPid = () => fs.readFileSync(sb.options.pidFile, "utf8").trim();
    const served = () => servedCertificate(sb.ports.https, DOMAIN, pebble.rootCaFile);
    /**
     * `nginx -s reload` returns before the old workers stop accepting: wait (bounded) until three
     * connections in a row get a certificate other than `from`.
     */
    const servedOnceChanged = async (from: string, withinMs = 10_000) => {
        const t0 = Date.now();
        let streak = 0;
        for (;;) {
            const s = await served();
            streak = s.fingerprint !== from ? streak + 1 : 0;
            if (streak === 3 || Date.now() - t0 > withinMs) return { ...s, switchMs: Date.now() - t0 };
            await new Promise((r) => setTimeout(r, 20));
        }
    };

    /** The chain on disk's leaf, as a TLS client fingerprints it. */
    const liveFingerprint = () => new X509Certificate(fs.readFileSync(live("cert.pem"))).fingerprint256;
    /** Wait (bounded) until three connections in a row get the certificate on disk. */
    const servedLive = async () => {
        const t0 = Date.now();
        let streak = 0;
        for (;;) {
            const s = await served();
            streak = s.fingerprint === liveFingerprint() ? streak + 1 : 0;
            if (streak === 3 || Date.now() - t0 > 10_000) return s;
            await new Promise((r) => setTimeout(r, 20));
        }
    };

    before(async () => {
        sb = await h.sandbox();
        // freePort never gives a port twice, so these are not the sandbox's (free until nginx starts).
        pebble = await startPebble(path.join(sb.dir, "pebble"), { acme: await h.freePort(), management: await h.freePort(), dns: await h.freePort(), dnsManagement: await h.freePort(), http: sb.ports.http }, VALIDITY_DAYS * 86400);
        // What `pulumi up` does on a fresh server before issuance: deliver the config (which makes
        // the bootstrap certificate) and start nginx on it.
        const delivered = h.deliver(sb, h.config({ domain: DOMAIN, aliases: ALIASES }));
        assert.equal(delivered.status, 0, delivered.stderr);
        bootstrap = fs.readFileSync(live("fullchain.pem"), "utf8");
        nginx = await h.startNginx(sb);
        // Pebble's own DNS answers 127.0.0.1 for every name; the issuance checks DNS the same way first.
        fs.mkdirSync(path.dirname(path.join(sb.root, SERVER_ADDRESS_FILE)), { recursive: true });
        fs.writeFileSync(path.join(sb.root, SERVER_ADDRESS_FILE), "127.0.0.1");
        dns = path.join(sb.dir, "dns-lookup");
        setDns("127.0.0.1");
        env = {
            ...process.env,
            DNS_LOOKUP: dns,
            // docker exec mhylle-nginx ... goes to the sandbox nginx.
            PATH: `${h.dockerShim(sb)}:${process.env.PATH}`,
            // The production scripts, with certbot from Debian instead of the certbot image.
            CERTBOT: `certbot --config-dir ${sb.root}/certs --work-dir ${sb.root}/state/certbot/work --logs-dir ${sb.root}/state/certbot/logs`,
            REQUESTS_CA_BUNDLE: pebble.listenerCaFile,
        };
    });

    after(async () => {
        if (process.env.TLSTEST_KEEP) return console.log(`# kept ${sb?.dir} (TLSTEST_KEEP)`);
        await nginx?.stop();
        pebble?.stop();
        if (sb) h.cleanup(sb);
    });

    test("nginx starts on the bootstrap certificate the config delivery made", async () => {
        const s = await served();
        assert.match(s.issuer, new RegExp(`CN=${DOMAIN.replace(/\./g, "\\.")}`));
        assert.equal(s.authorized, false, "self-signed");
        assert.ok(fs.existsSync(live(BOOTSTRAP_MARKER)));
    });

    test("while DNS points elsewhere, the first-issuance job asks no CA, and nginx keeps the bootstrap certificate", async () => {
        installJobs(tls());
        setDns("203.0.113.50");
        try {
            const r = await run(path.join(sb.root, "bin/run-job"), ["cert-issue"]);
            assert.equal(r.code, 0);
            const log = fs.readFileSync(path.join(sb.root, "logs/jobs/cert-issue.log"), "utf8");
            assert.match(log, /not asking https:\/\/127\.0\.0\.1:\d+\/dir for a certificate yet: every name must point at 127\.0\.0\.1 .*tls\.example\.test resolves to 203\.0\.113\.50/);
            assert.ok(fs.existsSync(live(BOOTSTRAP_MARKER)));
            assert.ok(!fs.existsSync(path.join(sb.root, "certs/renewal", `${DOMAIN}.conf`)), "no lineage, no order");
        } finally {
            setDns("127.0.0.1");
        }
    });

    test("a failed challenge fails with certbot's message and puts the bootstrap back (renewal job before any certificate)", async () => {
        // As when DNS did not point at the server yet during `pulumi up`: the twice-daily job retries.
        installJobs(tls(ALIASES, fs.mkdtempSync(path.join(sb.dir, "not-served-"))));
        const r = await run(path.join(sb.root, "bin/run-job"), ["cert-renew"]);
        assert.equal(r.code, 1);
        const log = fs.readFileSync(path.join(sb.root, "logs/jobs/cert-renew.log"), "utf8");
        assert.match(log, /no Let's Encrypt certificate for tls\.example\.test yet: issuing the first one/);
        assert.match(log, /nginx keeps serving the bootstrap certificate/);
        assert.match(log, /Some challenges have failed|unauthorized|404/i);
        assert.match(fs.readFileSync(path.join(sb.root, "state/jobs/cert-renew.status"), "utf8"), /^1 /);
        assert.equal(fs.readFileSync(live("fullchain.pem"), "utf8"), bootstrap);
        assert.ok(fs.existsSync(live(BOOTSTRAP_MARKER)));
        assert.ok(!fs.existsSync(path.join(sb.root, "certs/renewal", `${DOMAIN}.conf`)));
        assert.ok(!fs.existsSync(path.join(sb.root, "backups/certs")), "nothing to back up yet");
        assert.equal((await served()).authorized, false, "still the bootstrap");
        installJobs(tls());
    });

    test("issuance: nginx switches to the Pebble-issued chain without a restart", async () => {
        const started = masterPid();
        const bootstrapServed = await served();
        const r = await issue();
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /nginx reloaded/);
        const switched = await servedOnceChanged(bootstrapServed.fingerprint);
        assert.equal(masterPid(), started, "same nginx master: reloaded, not restarted");
        assert.ok(fs.lstatSync(live("fullchain.pem")).isSymbolicLink(), "live/ is a certbot lineage");
        // openssl s_client sees the chain and verifies it against Pebble's root.
        // Workers that are finishing the reload may still answer for a moment: read until they are gone (bounded).
        const sclientOnce = () =>
            execFileSync("openssl", ["s_client", "-connect", `127.0.0.1:${sb.ports.https}`, "-servername", DOMAIN, "-CAfile", pebble.rootCaFile, "-showcerts"], { input: "", encoding: "utf8", stdio: ["pipe", "pipe", "ignore"] });
        let sclient = sclientOnce();
        for (const t0 = Date.now(); !/i:CN = Pebble Intermediate CA/.test(sclient) && Date.now() - t0 < 10_000; ) {
            await new Promise((r) => setTimeout(r, 100));
            sclient = sclientOnce();
        }
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
        assert.ok(!fs.existsSync(path.join(sb.root, "certs/live", `${DOMAIN}-0001`)), "no second lineage");
        assert.equal((await issue()).code, 0, "back to the configured names");
    });

    test("renewal job under HTTPS load: new chain served with no reload, and a client that never retries loses no request and sees both certificates", async () => {
        // The previous test's last issuance may still be reloading: start from the chain on disk.
        const before = await servedLive();
        assert.equal(before.fingerprint, liveFingerprint(), "before the renewal nginx serves the chain on disk");
        const started = masterPid();
        const key = () => fs.readFileSync(path.join(sb.root, "certs/live", DOMAIN, "privkey.pem"), "utf8");
        const keyBefore = key();
        let job: Run | undefined;
        let after: Awaited<ReturnType<typeof servedOnceChanged>> | undefined;
        // The load goes on until nginx serves the renewed chain (its cache checks the file every
        // CERT_CACHE_VALID_SECONDS), and 3 s past it: the clients then see both certificates.
        const load = await underLoad({ port: sb.ports.https, path: "/health", servername: DOMAIN, caFile: pebble.rootCaFile, after: 3 }, async () => {
            job = await run(path.join(sb.root, "bin/run-job"), ["cert-renew"]);
            if (job.code === 0) after = await servedOnceChanged(before.fingerprint, 45_000);
        });
        assert.ok(job);
        const log = fs.readFileSync(path.join(sb.root, "logs/jobs/cert-renew.log"), "utf8");
        assert.equal(job.code, 0, log);
        assert.match(log, /certificate tls\.example\.test renewed/);
        assert.doesNotMatch(log, /nginx reloaded/);
        assert.match(fs.readFileSync(path.join(sb.root, "state/jobs/cert-renew.status"), "utf8"), /^0 /);
        // nginx loads the certificate per handshake and checks the file every CERT_CACHE_VALID_SECONDS.
        assert.ok(after, "nginx served a changed certificate");
        assert.notEqual(after.fingerprint, before.fingerprint, "a new certificate is served");
        assert.equal(after.fingerprint, liveFingerprint(), "it is the renewed chain on disk");
        assert.equal(after.authorized, true, after.error);
        assert.equal(masterPid(), started, "same nginx master");
        // The key stays: no handshake can meet a new key beside the old chain while certbot swaps links.
        assert.equal(key(), keyBefore, "the renewed certificate keeps the private key");
        assert.match(fs.readFileSync(path.join(sb.root, "certs/renewal", `${DOMAIN}.conf`), "utf8"), /^reuse_key = True$/m);
        console.log(`# renewal under load: ${JSON.stringify({ jobMs: job.ms, ...load })}`);
        // A safety bound far below what any machine sends: enough traffic that a failure would show.
        assert.ok(load.autocannon.requests > 100, `enough load (${load.autocannon.requests} requests)`);
        assert.deepEqual([load.autocannon.errors, load.autocannon.timeouts, load.autocannon.non2xx], [0, 0, 0], "autocannon: no failed request");
        // The verifying client (tls-probe.ts) is the measure: autocannon resends silently. It sent
        // requests, never saw a TLS error or a wrong answer, and needed no retry: no reload, so nginx
        // closed no keep-alive connection under it.
        assert.ok(load.verified.ok > 0, "the verifying client was answered");
        assert.deepEqual(load.verified.otherErrors, [], "verified client: no TLS error, no non-200");
        assert.deepEqual([load.verified.failed, load.verified.failures], [0, []], "verified client: no request lost");
        assert.equal(load.verified.retried, 0, "no keep-alive connection closed unanswered: a client that never retries loses nothing");
        assert.ok(load.verified.fingerprints.includes(before.fingerprint), "answers came over the old certificate");
        assert.ok(load.verified.fingerprints.includes(after.fingerprint), "and over the renewed one");
    });

    test("a renewal that changes nothing does not reload; backups are taken and only the last 14 kept", async () => {
        const backups = path.join(sb.root, "backups/certs");
        for (let i = 10; i < 30; i++) fs.writeFileSync(path.join(backups, `certs-202001${i}T000000000000000Z.tar.gz`), "old");
        // A dry run talks to the CA but saves nothing (certbot would use LE staging without --server).
        const r = await run(path.join(sb.root, "bin/cert-renew.sh"), ["--dry-run", "--server", pebble.directoryUrl]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /certificate tls\.example\.test unchanged/);
        assert.doesNotMatch(r.stdout, /nginx reloaded/);
        const kept = fs.readdirSync(backups).sort();
        assert.equal(kept.length, 14);
        const newest = path.join(backups, kept[kept.length - 1]);
        assert.ok(!kept[kept.length - 1].startsWith("certs-2020"), "the new backup is kept");
        assert.equal(fs.statSync(newest).mode & 0o077, 0, "backups hold private keys: owner only");
        const listing = execFileSync("tar", ["-tzvf", newest], { encoding: "utf8" });
        assert.match(listing, new RegExp(`certs/live/${DOMAIN.replace(/\./g, "\\.")}/privkey\\.pem -> \\.\\./\\.\\./archive/`));
        assert.match(listing, /certs\/renewal\/tls\.example\.test\.conf/);
    });

    test("a new private key, asked for by hand (--new-key), comes with one graceful reload and is served", async () => {
        const key = () => fs.readFileSync(path.join(sb.root, "certs/live", DOMAIN, "privkey.pem"), "utf8");
        const before = await servedLive();
        const keyBefore = key();
        const r = await run(path.join(sb.root, "bin/cert-renew.sh"), ["--force-renewal", "--new-key", "--server", pebble.directoryUrl]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /renewed with a new private key; reloading nginx/);
        assert.notEqual(key(), keyBefore, "the key is new");
        const after = await servedOnceChanged(before.fingerprint, 45_000);
        assert.ok(after, "nginx served the new certificate");
        assert.equal(after.authorized, true, after.error);
        assert.equal(after.fingerprint, liveFingerprint(), "it is the chain on disk, with the new key");
    });

    test("expiry check on the issued certificate: Pebble issuer, days left, ok", async () => {
        const r = await run(path.join(sb.root, "bin/cert-expiry.sh"));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(lines.map((l) => l.domain), [DOMAIN, ...ALIASES]);
        for (const l of lines) {
            assert.ok(l.daysLeft === VALIDITY_DAYS - 1 || l.daysLeft === VALIDITY_DAYS, String(l.daysLeft));
            assert.match(l.issuer, /Pebble Intermediate CA/);
            assert.equal(l.ok, true);
        }
        assert.equal((await run(path.join(sb.root, "bin/cert-expiry.sh"), ["30"])).code, 1, "below a 30-day threshold it fails");
    });

    test("testssl.sh: nothing below TLS 1.2, no weak cipher class, HSTS present", { timeout: 240_000 }, async () => {
        const json = path.join(sb.dir, "testssl.json");
        const r = await run("timeout", ["200", "testssl", "--quiet", "--color", "0", "--warnings", "off", "--fast", "--protocols", "--std", "--headers",
            "--jsonfile", json, `https://127.0.0.1:${sb.ports.https}/`]);
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
