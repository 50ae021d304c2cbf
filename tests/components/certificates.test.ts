// The production stack under mocks: certificates are issued once nginx serves, for the primary
// domain and its aliases, and only once DNS points every name at the server; the renewal, first
// issuance and expiry jobs reach the crontab through the scheduler.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Recorded, prodConfig, recordProgram } from "../support/program";
import { renewalSchedule } from "../../render/tls/renew";
import { FIRST_ISSUE_SCHEDULE, SERVER_ADDRESS_FILE, issueCertificateScript } from "../../render/tls/issue";

let p: Recorded;
before(async () => {
    p = await recordProgram(prodConfig());
});

test("issuance is one command under Certificates, ordered after nginx is ready (dependsOn mhylle-nginx-server-ready), given the server's address", () => {
    const issue = p.byName("certificates-issue");
    assert.equal(issue.parent, "certificates");
    assert.ok(issue.options.dependsOn.includes("mhylle-nginx-server-ready"), `dependsOn: ${issue.options.dependsOn.join(", ")}`);
    assert.ok(issue.options.dependsOn.includes("certificates-address"));
    assert.equal(p.byName("certificates-address").inputs.stdin, "51.159.168.239");
    const text = String(issue.inputs.create);
    assert.match(text, /domains=\('mhylle\.com' 'www\.mhylle\.com'\)/);
    assert.match(text, /server='https:\/\/acme-v02\.api\.letsencrypt\.org\/directory'/);
    assert.match(text, /docker run --rm --user "\$\(id -u\):\$\(id -g\)" \\\n    -v "\$certs:\/etc\/letsencrypt"/);
    assert.match(text, /'certbot\/certbot:v3\.3\.0@sha256:[0-9a-f]{64}'/, "certbot pinned by digest");
    assert.equal(issue.inputs.stdin, undefined, "nothing on stdin: no secret is involved");
});

test("the DNS records to create are a stack output", () => {
    assert.deepEqual(p.outputs.dnsRecords, ["mhylle.com. A 51.159.168.239", "www.mhylle.com. A 51.159.168.239"]);
});

test("renewal twice a day, first issuance every 10 minutes and the daily expiry check are in the crontab block", () => {
    // The crontab block is inside a quoted string of the install script: the runner's path is quoted in it.
    const jobs = String(p.byName("scheduler-jobs").inputs.create).replace(/'\\''/g, "'");
    // mhylle.com's schedule written out: the job runs at a minute and two hours 12 h apart, the same at every `up`.
    assert.equal(renewalSchedule("mhylle.com"), "55 2,14 * * *");
    assert.ok(jobs.includes(`55 2,14 * * * '/opt/platform/bin/run-job' cert-renew`), jobs);
    assert.ok(jobs.includes(`${FIRST_ISSUE_SCHEDULE} '/opt/platform/bin/run-job' cert-issue`), jobs);
    assert.match(jobs, /\d+ 7 \* \* \* '\/opt\/platform\/bin\/run-job' cert-expiry/);
});

/** Runs the issuance script with a fake DNS and a certbot that records it was called. */
function issueWith(dns: Record<string, string>, address: string | undefined) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "issue-dns-"));
    try {
        if (address) {
            fs.mkdirSync(path.dirname(path.join(root, SERVER_ADDRESS_FILE)), { recursive: true });
            fs.writeFileSync(path.join(root, SERVER_ADDRESS_FILE), address);
        }
        const lookup = path.join(root, "lookup");
        fs.writeFileSync(lookup, `#!/bin/bash\ncase "$1" in\n${Object.entries(dns).map(([n, a]) => `  ${n}) printf '%s\\n' ${a} ;;`).join("\n")}\nesac\n`, { mode: 0o755 });
        const certbot = path.join(root, "certbot");
        fs.writeFileSync(certbot, `#!/bin/bash\ntouch ${root}/certbot-called\nexit 1\n`, { mode: 0o755 });
        const script = issueCertificateScript({ root, domain: "mhylle.com", aliases: ["www.mhylle.com"], certbotImage: "certbot/certbot:v3.3.0", directoryUrl: "https://acme.invalid/dir" });
        const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, DNS_LOOKUP: lookup, CERTBOT: certbot } });
        return { code: r.status, out: r.stdout + r.stderr, certbotCalled: fs.existsSync(path.join(root, "certbot-called")) };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

test("before DNS points every name at the server, issuance asks no CA and `up` still converges", () => {
    const wrong = issueWith({ "mhylle.com": "203.0.113.9", "www.mhylle.com": "51.159.168.239" }, "51.159.168.239");
    assert.deepEqual([wrong.code, wrong.certbotCalled], [0, false]);
    assert.match(wrong.out, /not asking https:\/\/acme\.invalid\/dir for a certificate yet: every name must point at 51\.159\.168\.239 .*mhylle\.com resolves to 203\.0\.113\.9/);
    const extra = issueWith({ "mhylle.com": "'51.159.168.239 2001:db8::1'", "www.mhylle.com": "51.159.168.239" }, "51.159.168.239");
    assert.deepEqual([extra.code, extra.certbotCalled], [0, false], "an AAAA record elsewhere would fail the CA's check too");
    const nothing = issueWith({}, "51.159.168.239");
    assert.match(nothing.out, /resolves to nothing/);
});

test("once DNS is right, issuance goes on to certbot", () => {
    const right = issueWith({ "mhylle.com": "51.159.168.239", "www.mhylle.com": "51.159.168.239" }, "51.159.168.239");
    assert.equal(right.certbotCalled, true, right.out);
});
