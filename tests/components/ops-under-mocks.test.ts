// Backups and monitoring as the program declares them (under mocks): the jobs in the crontab,
// the off-site bucket and its credentials, the exporters' exposure; and every rendered ops
// script clean under shellcheck -S style, the status program valid Python.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { CONTAINER, REMOTE_COMMAND, Recorded, isSecret, recordProgram, reveal, stackConfig } from "../support/program";
import { prodConfig, TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";
import { mockPassword } from "../../tools/mock-outputs";
import { decodeBundle } from "../../render/bundle";
import { crontabBlock } from "../../render/schedule";
import { opsSchedule, productionTargets } from "../support/ops";
import { validateConfig } from "../../config/validate";
import { needs } from "../support/requirements";

const prod = prodConfig();
const full = {
    ...prod,
    backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT, expireDays: 45 } },
    monitoring: { prometheus: { enabled: true, loopback: true } },
};
const secrets = { sshPrivateKey: "k", backupIdentity: TEST_AGE_IDENTITY };
/** The put-only key the program makes for the server, as the mocks answer it. */
const writerSecret = mockPassword("backups-offsite-writer", 36);

// Each stack recorded once: prod as shipped, with off-site and loopback exporters, with internal-only exporters.
let prodRun: Recorded, fullRun: Recorded, internalOnly: Recorded;
before(async () => {
    prodRun = await recordProgram(prod);
    fullRun = await recordProgram(full, secrets);
    internalOnly = await recordProgram({ ...full, monitoring: { prometheus: { enabled: true } } }, secrets);
});
const exporters = (r: Recorded) => r.ofType(CONTAINER).filter((c) => String(c.name).includes("exporter"));

test("prod: one crontab block with backup, its dump drill, status, maintenance, log rotation and the image prune; restore and platform-status installed; no bucket or exporter unless asked for", async () => {
    const cfg = validateConfig(prod);
    const { jobs, commands } = opsSchedule(cfg, productionTargets("/opt/platform"));
    assert.equal(
        crontabBlock("/opt/platform", jobs).split("\n").filter((l) => /^[0-9*]/.test(l)).join("\n"),
        [
            "30 2 * * * '/opt/platform/bin/run-job' backup",
            // The dumps' restore drill, at the restore drill's hour (backups.pitr.drillSchedule).
            "45 4 * * * '/opt/platform/bin/run-job' dump-drill",
            "0 3 1 * * '/opt/platform/bin/run-job' maintenance",
            "0 0 * * * '/opt/platform/bin/run-job' rotate-nginx-logs",
            "30 4 * * * '/opt/platform/bin/run-job' prune-images",
            "*/5 * * * * '/opt/platform/bin/run-job' status",
        ].join("\n"),
    );
    assert.deepEqual(commands.map((c) => c.name).sort(), ["platform-status", "prune-backups", "restore"]);
    const r = prodRun;
    const files = decodeBundle(r.byName("scheduler-jobs").inputs.stdin as string).map((f) => f.path).sort();
    // The ops scripts (with the nginx pod's repair job, proxy-owned), beside the certificate jobs that share the one Scheduler.
    const ops = ["bin/backup.sh", "bin/dump-drill.sh", "bin/maintenance.sh", "bin/nginx-pod.sh", "bin/platform-status", "bin/prune-backups", "bin/prune-images.sh", "bin/restore", "bin/rotate-nginx-logs.sh", "bin/run-job", "bin/status.sh"];
    assert.deepEqual(files.filter((f) => !f.startsWith("bin/cert-")), ops);
    // No bucket, no exporters unless asked for.
    assert.equal(r.resources.filter((x) => x.type.startsWith("scaleway:object")).length, 0);
    assert.ok(!r.resources.some((x) => x.name.includes("exporter")));
});

test("off-site: a bucket with lifecycle expiry kept on destroy; keys reach the server only as a quiet command's secret stdin", () => {
    const r = fullRun;
    const bucket = r.byName("backups-offsite");
    assert.equal(bucket.type, "scaleway:object/bucket:Bucket");
    assert.equal(bucket.inputs.name, "mhylle-backups");
    assert.deepEqual((bucket.inputs.lifecycleRules as any[])[0].expiration, { days: 45 });
    assert.equal((bucket.options as any)?.retainOnDelete, true);
    const creds = r.byName("backups-offsite-credentials");
    assert.equal(creds.type, REMOTE_COMMAND);
    assert.ok(isSecret(creds.inputs.stdin), "stdin is secret");
    assert.match(String(reveal(creds.inputs.stdin)), new RegExp(`^RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY=${writerSecret}$`, "m"));
    assert.equal(creds.inputs.logging, "none");
    const everythingElse = JSON.stringify(r.resources.filter((x) => x.name !== "backups-offsite-credentials").map((x) => reveal(x.inputs)));
    assert.ok(!everythingElse.includes(writerSecret), "the key appears nowhere else");
});

test("off-site enabled without the identity of its recipient is refused naming it", async () => {
    const { program } = await import("../../stacks/program");
    const { record } = await import("../../tools/record");
    let refused: any;
    await record(full, () => program().catch((e: unknown) => (refused = e)), { secrets: { sshPrivateKey: "k" } });
    assert.ok(refused, "refused");
    assert.match(refused.message, /^backupIdentity: is required when backups\.offsite\.enabled is true: the age identity that decrypts the copies; run: pulumi config set --secret backupIdentity/m);
});

test("exporters: the nginx and postgres exporters, on pinned images, on an internal monitoring network", () => {
    assert.deepEqual(exporters(fullRun).map((c) => c.name).sort(), ["mhylle-nginx-exporter", "mhylle-postgres-exporter"]);
    for (const c of exporters(fullRun)) assert.doesNotMatch(String(c.inputs.image), /:latest$/, c.name);
    assert.equal(fullRun.byName("mhylle-monitoring").inputs.internal, true);
});

test("exporters with loopback: each published on 127.0.0.1 only", () => {
    for (const c of exporters(fullRun)) {
        const ports = (c.inputs.ports as { ip: string }[] | undefined) ?? [];
        assert.ok(ports.length > 0, `${c.name} publishes nothing`);
        for (const p of ports) assert.equal(p.ip, "127.0.0.1", `${c.name} publishes on ${p.ip}`);
    }
});

test("exporters without loopback publish nothing", () => {
    assert.equal(exporters(internalOnly).length, 2);
    for (const c of exporters(internalOnly)) assert.deepEqual(c.inputs.ports ?? [], [], c.name);
});

test("the postgres exporter's password is a file, not in its environment (tests/adversarial/secret-inputs.test.ts)", () => {
    const envs = fullRun.byName("mhylle-postgres-exporter").inputs.envs as string[];
    assert.ok(!isSecret(envs) && envs.some((e) => e.startsWith("DATA_SOURCE_PASS_FILE=")) && !envs.some((e) => e.startsWith("DATA_SOURCE_PASS=")), JSON.stringify(envs));
});

test("the nginx exporter scrapes the proxy's own status server, on a port nginx does not publish", () => {
    assert.deepEqual(fullRun.byName("mhylle-nginx-exporter").inputs.command, ["--nginx.scrape-uri=http://mhylle-nginx:8081/nginx_status"]);
    const nginxConf = decodeBundle(fullRun.byName("proxy-config").inputs.stdin as string).map((f) => f.content).join("\n");
    assert.match(nginxConf, /listen 8081 reuseport;[\s\S]*?location = \/nginx_status \{[^}]*stub_status;/);
    // Published: 80, 443 and the status page's own origin (monitoring.page, on by default); never the stub_status port.
    const ports = fullRun.byName("mhylle-nginx").inputs.ports as { internal: number; external: number }[];
    assert.deepEqual(ports.map((p) => p.internal).sort(), [443, 80, 8443]);
    assert.ok(!ports.some((p) => p.internal === 8081 || p.external === 8081), JSON.stringify(ports));
});

test("every ops script (prod, local, off-site + exporters) is clean under shellcheck -S style; platform-status compiles", { skip: needs("shellcheck", "python3") }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-lint-"));
    try {
        const variants = { prod: prod, local: stackConfig("local"), full: full };
        const bash: string[] = [];
        for (const [name, raw] of Object.entries(variants)) {
            const cfg = validateConfig(raw);
            const { jobs, commands } = opsSchedule(cfg, productionTargets("/opt/platform"));
            for (const f of [...jobs.map((j) => ({ n: `${j.name}.sh`, s: "#!/usr/bin/env bash\nset -euo pipefail\n" + j.script })), ...commands.map((c) => ({ n: c.name, s: c.language === "python3" ? c.script : "#!/usr/bin/env bash\nset -euo pipefail\n" + c.script }))]) {
                const file = path.join(dir, `${name}-${f.n}`);
                fs.writeFileSync(file, f.s);
                if (f.s.startsWith("#!/usr/bin/env bash")) bash.push(file);
            }
        }
        assert.ok(bash.length >= 15, `${bash.length} scripts`);
        const sc = spawnSync("shellcheck", ["-s", "bash", "-S", "style", ...bash], { encoding: "utf8" });
        assert.equal(sc.status, 0, sc.stdout + sc.stderr);
        const py = spawnSync("python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", path.join(dir, "full-platform-status")], { encoding: "utf8" });
        assert.equal(py.status, 0, py.stderr);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("local target: jobs are installed but this machine's crontab is left alone unless local.cron is true", { skip: needs("bash", "base64") }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-cron-"));
    try {
        // A crontab stand-in that keeps its table in a file: the real one is never touched.
        fs.mkdirSync(path.join(dir, "fake"));
        fs.writeFileSync(path.join(dir, "fake/crontab"), `#!/bin/sh\nif [ "$1" = -l ]; then cat "${dir}/table" 2>/dev/null; else cat > "${dir}/table"; fi\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "table"), "0 1 * * * /home/me/my-own-job\n");
        const run = async (raw: Record<string, unknown>) => {
            const r = await recordProgram({ ...raw, local: { ...(raw.local as object), dataDir: path.join(dir, "root") } });
            const cmd = r.byName("scheduler-jobs");
            return spawnSync("bash", ["-c", cmd.inputs.create as string], { input: cmd.inputs.stdin as string, encoding: "utf8", env: { ...process.env, PATH: `${dir}/fake:${process.env.PATH}` } });
        };
        const local = stackConfig("local");
        const off = await run(local);
        assert.equal(off.status, 0, off.stderr);
        assert.match(off.stdout, /not scheduled \(local\.cron is false\)/);
        assert.ok(fs.existsSync(path.join(dir, "root/bin/backup.sh")) && fs.existsSync(path.join(dir, "root/bin/platform-status")), off.stdout);
        assert.equal(fs.readFileSync(path.join(dir, "table"), "utf8"), "0 1 * * * /home/me/my-own-job\n");
        const on = await run({ ...local, local: { cron: true } });
        assert.equal(on.status, 0, on.stderr);
        const table = fs.readFileSync(path.join(dir, "table"), "utf8");
        assert.match(table, /^0 1 \* \* \* \/home\/me\/my-own-job$/m);
        assert.match(table, new RegExp(`^30 2 \\* \\* \\* '${dir}/root/bin/run-job' backup$`, "m"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
