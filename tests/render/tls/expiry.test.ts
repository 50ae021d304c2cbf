// cert-expiry against certificates made to expire soon and late: the right days, the right exit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { needs } from "../../support/requirements";
import { jobFiles } from "../../../render/schedule";
import { expiryJob } from "../../../render/tls/expiry";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();

const skip = needs("openssl");

/** A root with the job installed as the scheduler installs it, and a certificate valid for `days`. */
function setup(days: number | undefined, sans = ["example.test", "www.example.test"]) {
    const root = tmp(path.join(os.tmpdir(), "tls-expiry-"));
    const [runJob, job] = jobFiles(root, [expiryJob({ root, domain: "example.test", aliases: ["www.example.test"], warnDays: 14 })]);
    assert.equal(runJob.path, "run-job");
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin", job.path), job.content, { mode: 0o755 });
    fs.writeFileSync(path.join(root, "bin", runJob.path), runJob.content, { mode: 0o755 });
    if (days !== undefined) {
        const live = path.join(root, "certs/live/example.test");
        fs.mkdirSync(live, { recursive: true });
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", String(days),
            "-subj", "/CN=example.test/O=Expiry Test", "-addext", `subjectAltName=${sans.map((s) => `DNS:${s}`).join(",")}`,
            "-keyout", path.join(live, "privkey.pem"), "-out", path.join(live, "fullchain.pem")], { stdio: "ignore" });
    }
    return root;
}

function check(root: string, ...args: string[]) {
    const r = spawnSync(path.join(root, "bin/cert-expiry.sh"), args, { encoding: "utf8" });
    return { code: r.status, lines: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
}

test("a certificate made with -days 3 reports 2 or 3 days left, not ok, exit 1", { skip }, () => {
    const { code, lines, stderr } = check(setup(3));
    assert.equal(code, 1, stderr);
    assert.deepEqual(lines.map((l) => l.domain), ["example.test", "www.example.test"]);
    for (const l of lines) {
        assert.ok(l.daysLeft === 2 || l.daysLeft === 3, `daysLeft ${l.daysLeft}`);
        assert.equal(l.ok, false);
        assert.match(l.notAfter, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.ok(Math.abs(Date.parse(l.notAfter) - Date.now() - 3 * 86400_000) < 120_000, l.notAfter);
        assert.match(l.issuer, /CN=example\.test/);
        assert.match(l.problem, /expires in \d days \(warning below 14\)/);
    }
});

test("a certificate made with -days 60 is ok, exit 0; a threshold given as argument wins", { skip }, () => {
    const root = setup(60);
    const { code, lines } = check(root);
    assert.equal(code, 0);
    assert.equal(lines.length, 2);
    for (const l of lines) assert.deepEqual([l.ok, l.daysLeft >= 59 && l.daysLeft <= 60, "problem" in l], [true, true, false]);
    assert.equal(check(root, "90").code, 1);
});

test("a name the certificate does not cover is reported, not ok", { skip }, () => {
    const partial = check(setup(60, ["example.test"]));
    assert.equal(partial.code, 1);
    assert.deepEqual(partial.lines.map((l) => l.ok), [true, false]);
    assert.match(partial.lines[1].problem, /does not cover www\.example\.test/);
});

test("a missing certificate is reported for every name, not ok", { skip }, () => {
    const missing = check(setup(undefined));
    assert.equal(missing.code, 1);
    assert.deepEqual(missing.lines.map((l) => [l.daysLeft, l.ok]), [[null, false], [null, false]]);
});

test("a corrupt certificate is reported as unreadable for every name, not ok", { skip }, () => {
    const corrupt = setup(60);
    fs.writeFileSync(path.join(corrupt, "certs/live/example.test/fullchain.pem"), "not a certificate\n");
    const r = check(corrupt);
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines.map((l) => [l.domain, l.ok]), [["example.test", false], ["www.example.test", false]]);
    assert.match(r.lines[0].problem, /no readable certificate/);
});

test("as a job: run-job records the failing status for monitoring", { skip }, () => {
    const root = setup(3);
    const r = spawnSync(path.join(root, "bin/run-job"), ["cert-expiry"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(fs.readFileSync(path.join(root, "state/jobs/cert-expiry.status"), "utf8"), /^1 \d+ \d+\n$/);
    assert.match(fs.readFileSync(path.join(root, "logs/jobs/cert-expiry.log"), "utf8"), /"domain":"example\.test","daysLeft":[23]/);
});
