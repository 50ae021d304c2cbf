// The production stack under mocks: certificates are issued after nginx is up, for the primary
// domain and its aliases, and the renewal and expiry jobs reach the crontab through the scheduler.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Recorded, recordProgram } from "../support/program";
import { prodConfig } from "../support/prod-stack";
import { renewalSchedule } from "../../render/tls/renew";

let p: Recorded;
before(async () => {
    p = await recordProgram(prodConfig());
});

test("issuance is one command under Certificates that waits for the nginx container", () => {
    const issue = p.byName("certificates-issue");
    assert.equal(issue.parent, "certificates");
    assert.ok(issue.options.dependsOn.includes("mhylle-nginx"), `dependsOn: ${issue.options.dependsOn.join(", ")}`);
    const text = String(issue.inputs.create);
    assert.match(text, /domains=\('mhylle\.com' 'www\.mhylle\.com'\)/);
    assert.match(text, /server='https:\/\/acme-v02\.api\.letsencrypt\.org\/directory'/);
    assert.match(text, /--email='admin@mhylle\.com'/);
    assert.match(text, /docker run --rm --user "\$\(id -u\):\$\(id -g\)" \\\n    -v "\$certs:\/etc\/letsencrypt"/);
    assert.match(text, /'certbot\/certbot:v3\.3\.0'/);
    assert.equal(issue.inputs.stdin, undefined, "nothing on stdin: no secret is involved");
});

test("renewal twice a day and the daily expiry check are in the scheduler's crontab block", () => {
    const jobs = String(p.byName("scheduler-jobs").inputs.create);
    // The block sits shell-quoted in the install script, so the runner's own quotes appear as '\\''.
    assert.ok(jobs.includes(`${renewalSchedule("mhylle.com")} '\\''/opt/platform/bin/run-job'\\'' cert-renew`), jobs);
    assert.match(jobs, /\d+ 7 \* \* \* '\\''\/opt\/platform\/bin\/run-job'\\'' cert-expiry/);
});
