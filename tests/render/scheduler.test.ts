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
import { validateConfig } from "../../config/validate";
import { opsSchedule, productionTargets } from "../support/ops";
import { pitrSchedule } from "../../render/backup/pitr-jobs";
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

test("jobs of one queue take turns: started together from cron, the second waits for the first and both run", { skip: needs("flock") }, () => {
    const marks = path.join(dir, "queue-marks.txt");
    // Each records its start and end around a pause; a third job outside the queue does not wait.
    const slow = (name: string, queue?: string): ScheduledJob => ({ name, schedule: "45 4 * * *", queue, script: `echo "start ${name} $(date +%s%N)" >> '${marks}'; sleep 1.5; echo "end ${name} $(date +%s%N)" >> '${marks}'` });
    const jobs = [slow("drill-a", "drills"), slow("drill-b", "drills"), slow("other")];
    assert.equal(install(jobs).status, 0);
    const started = bash(`for j in drill-a drill-b other; do '${root}/bin/run-job' "$j" & done; wait`);
    assert.equal(started.status, 0, started.stderr);
    const at = Object.fromEntries(fs.readFileSync(marks, "utf8").trim().split("\n").map((l) => { const [what, name, t] = l.split(" "); return [`${what} ${name}`, BigInt(t)]; }));
    const [first, second] = at["start drill-a"] < at["start drill-b"] ? ["drill-a", "drill-b"] : ["drill-b", "drill-a"];
    assert.ok(at[`start ${second}`] >= at[`end ${first}`], "the second drill started only after the first ended");
    assert.ok(at["start other"] < at[`end ${first}`], "a job outside the queue did not wait");
    for (const j of ["drill-a", "drill-b", "other"]) assert.match(fs.readFileSync(path.join(root, "state/jobs", `${j}.status`), "utf8"), /^0 /, `${j} succeeded`);
});

test("the restore drills (point-in-time and dump) are in one queue, as the server's schedule declares them", () => {
    const cfg = validateConfig({ backups: { pitr: { enabled: true } } });
    // As components/backups.ts declares them: the dump jobs, and pgBackRest's beside PostgreSQL's container.
    const t = productionTargets("/opt/platform");
    const drills = [...opsSchedule(cfg, t).jobs, ...pitrSchedule(t, cfg.backups).jobs].filter((j) => /drill/.test(j.name));
    assert.deepEqual(drills.map((j) => [j.name, j.queue]).sort(), [["dump-drill", "restore-drills"], ["restore-drill", "restore-drills"]]);
    const files = jobFiles("/opt/platform", drills);
    for (const f of files.filter((f) => f.path !== "run-job")) assert.match(f.content, /flock -w \d+ 8/, f.path);
});
