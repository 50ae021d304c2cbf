// The scheduler's install and remove scripts against a crontab: the platform's block is replaced
// on every install, other lines stay, and destroy leaves no cron line behind.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { needs } from "../support/requirements";
import { encodeBundle } from "../../render/bundle";
import { BIN_DIR, CRON_BEGIN, installJobsScript, jobFiles, removeJobsScript, ScheduledJob } from "../../render/schedule";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scheduler-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const root = path.join(dir, "platform");
const tab = path.join(dir, "crontab.txt");

// A crontab double on PATH: the real one would edit this machine's user crontab.
const bin = path.join(dir, "shim");
fs.mkdirSync(bin);
fs.writeFileSync(
    path.join(bin, "crontab"),
    `#!/bin/bash
case "$1" in
  -l) [ -f '${tab}' ] || { echo "no crontab for $USER" >&2; exit 1; }; cat '${tab}' ;;
  -) cat > '${tab}' ;;
  -r) rm -f '${tab}' ;;
  *) exit 2 ;;
esac
`,
    { mode: 0o755 },
);
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const bash = (text: string, stdin = "") => spawnSync("/bin/bash", ["-c", text], { input: stdin, env, encoding: "utf8" });
const job = (name: string, schedule: string): ScheduledJob => ({ name, schedule, script: `echo ${name}` });
const install = (jobs: ScheduledJob[]) => bash(installJobsScript(root, jobs), encodeBundle(jobFiles(root, jobs), BIN_DIR));

test("install writes the block and the scripts, keeps the user's own lines, and replaces the block on the next install", { skip: needs("sed") }, () => {
    fs.writeFileSync(tab, "MAILTO=ops@example.test\n5 4 * * * /usr/local/bin/own-job\n");
    let r = install([job("cert-renew", "1 2,14 * * *"), job("cert-expiry", "3 7 * * *")]);
    assert.equal(r.status, 0, r.stderr);
    let text = fs.readFileSync(tab, "utf8");
    assert.match(text, /own-job/);
    assert.match(text, new RegExp(`1 2,14 \\* \\* \\* '${root}/bin/run-job' cert-renew`));
    assert.deepEqual(fs.readdirSync(path.join(root, BIN_DIR)).sort(), ["cert-expiry.sh", "cert-renew.sh", "run-job"]);
    r = install([job("cert-expiry", "3 7 * * *")]);
    assert.equal(r.status, 0, r.stderr);
    text = fs.readFileSync(tab, "utf8");
    assert.equal(text.split(CRON_BEGIN).length, 2, "one block");
    assert.doesNotMatch(text, /cert-renew/);
    assert.deepEqual(fs.readdirSync(path.join(root, BIN_DIR)).sort(), ["cert-expiry.sh", "run-job"]);
});

test("remove takes the block and the scripts away and keeps the user's own lines; an emptied crontab goes", { skip: needs("sed") }, () => {
    let r = bash(removeJobsScript(root));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(tab, "utf8"), "MAILTO=ops@example.test\n5 4 * * * /usr/local/bin/own-job\n");
    assert.ok(!fs.existsSync(path.join(root, BIN_DIR)));
    fs.rmSync(tab);
    assert.equal(install([job("cert-expiry", "3 7 * * *")]).status, 0);
    r = bash(removeJobsScript(root));
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!fs.existsSync(tab), "no crontab left");
});

test("install and destroy delete only the files the platform installed, never others in its bin folder", { skip: needs("sed") }, () => {
    const mine = path.join(root, BIN_DIR, "someone-elses-tool");
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, "#!/bin/sh\n");
    assert.equal(install([job("cert-expiry", "3 7 * * *"), job("backup", "30 2 * * *")]).status, 0);
    assert.equal(install([job("cert-expiry", "3 7 * * *")]).status, 0);
    assert.ok(!fs.existsSync(path.join(root, BIN_DIR, "backup.sh")), "a removed job's script goes");
    assert.ok(fs.existsSync(mine), "a file the platform did not install stays on install");
    const r = bash(removeJobsScript(root));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(root, BIN_DIR)), ["someone-elses-tool"], "and on destroy");
    fs.rmSync(path.join(root, BIN_DIR), { recursive: true });
});
