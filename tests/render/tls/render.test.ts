// The certificate pieces as `npm run render` writes them: the issuance script and the renewal and
// expiry jobs, shellcheck-clean; none of them without ACME; a bad directory refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { needs } from "../../support/requirements";
import { renewalSchedule } from "../../../render/tls/renew";
import { acmeDirectoryUrl } from "../../../render/tls/certbot";
import { tempDirs } from "../../support/tmp";
import { renderStack } from "../../support/render";
import { prodStackFile } from "../../support/prod-stack";

const tmp = tempDirs();

function render(args: string[]): string {
    const r = renderStack(args);
    assert.equal(r.status, 0, r.stderr);
    return r.out;
}

const prod = render(["--config", prodStackFile()]);
const bin = path.join(prod, "files/opt/platform/bin");

test("prod: render writes the job scripts to <root>/bin and the issuance script", () => {
    assert.ok(fs.existsSync(path.join(bin, "cert-renew.sh")) && fs.existsSync(path.join(bin, "cert-expiry.sh")));
    assert.match(fs.readFileSync(path.join(bin, "cert-expiry.sh"), "utf8"), /warn_days="\$\{1:-14\}"/);
    assert.ok(fs.existsSync(path.join(prod, "scripts/certificates-issue.create.sh")));
});

test("renewal minute and hours are fixed per domain (the same in another process), differ between domains, 12 h apart", () => {
    const domains = Array.from({ length: 20 }, (_, i) => `site${i}.example.org`).concat(["mhylle.com", "a.b.c"]);
    const here = domains.map(renewalSchedule);
    // Fixed: a second process (another `pulumi up`) computes the same schedule for each domain.
    const code = `const { renewalSchedule } = require("./render/tls/renew"); console.log(JSON.stringify(${JSON.stringify(domains)}.map(renewalSchedule)));`;
    const other = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: path.resolve(__dirname, "../../.."), encoding: "utf8" });
    assert.equal(other.status, 0, other.stderr);
    assert.deepEqual(JSON.parse(other.stdout), here);
    // Per domain: servers of different domains do not all hit the CA at the same minute.
    assert.ok(new Set(here.map((s) => s.split(" ")[0])).size >= 10, `minutes: ${here.join("; ")}`);
    for (const s of here) {
        const m = /^(\d+) (\d+),(\d+) \* \* \*$/.exec(s);
        assert.ok(m, s);
        const [minute, h1, h2] = m.slice(1).map(Number);
        assert.ok(minute < 60 && h1 < 12 && h2 - h1 === 12, s);
    }
    assert.equal(acmeDirectoryUrl("staging"), "https://acme-staging-v02.api.letsencrypt.org/directory");
    assert.equal(acmeDirectoryUrl("https://127.0.0.1:14000/dir"), "https://127.0.0.1:14000/dir");
});

test("acme disabled: no issuance and no renewal, the expiry check stays", () => {
    const dir = tmp(path.join(os.tmpdir(), "tls-cfg-"));
    const file = path.join(dir, "Pulumi.noacme.yaml");
    fs.writeFileSync(file, stringify({ config: { "mhylle-platform:domain": "example.org", "mhylle-platform:acme": { enabled: false, warnDays: 21 } } }));
    const out = render(["--config", file]);
    assert.ok(!fs.existsSync(path.join(out, "scripts/certificates-issue.create.sh")));
    const outBin = path.join(out, "files/opt/platform/bin");
    const installed = fs.readdirSync(outBin);
    assert.ok(installed.includes("cert-expiry.sh"), "the expiry check stays");
    assert.ok(!installed.includes("cert-renew.sh"), "no renewal without ACME");
    assert.match(fs.readFileSync(path.join(outBin, "cert-expiry.sh"), "utf8"), /warn_days="\$\{1:-21\}"/);
});

test("bad acme.directory is refused naming the field", () => {
    const dir = tmp(path.join(os.tmpdir(), "tls-cfg-"));
    const file = path.join(dir, "Pulumi.bad.yaml");
    fs.writeFileSync(file, stringify({ config: { "mhylle-platform:acme": { enabled: true, directory: "http://insecure/dir" } } }));
    const r = renderStack(["--config", file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /acme\.directory: must be production, staging or an https:\/\/ ACME directory URL/);
});

test("rendered certificate scripts are shellcheck-clean", { skip: needs("shellcheck") }, () => {
    const files = [path.join(prod, "scripts/certificates-issue.create.sh"), path.join(bin, "cert-renew.sh"), path.join(bin, "cert-expiry.sh")];
    const r = spawnSync("shellcheck", ["--shell=bash", ...files], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
});
