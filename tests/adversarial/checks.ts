// The real programs each rendered artefact meets: bash, shellcheck, Debian's crontab, cloud-init,
// PyYAML (cloud-init's parser), ssh-keygen and PostgreSQL 15. Each returns what failed, in words.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { Cluster } from "../support/postgres";
import { PG_BIN } from "../support/postgres";
import { POSTGRES_CONTAINER, databaseName, roleName } from "../../config/naming";

const run = (cmd: string, args: string[], input?: string, env?: Record<string, string>) => {
    const r = spawnSync(cmd, args, { input, encoding: "utf8", env: env && { ...process.env, ...env }, timeout: 120_000 });
    return { status: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
};

/** `bash -n` on each script; the failures. */
export function bashSyntax(files: readonly string[]): string[] {
    return files.flatMap((f) => {
        const r = run("bash", ["-n", f]);
        return r.status === 0 ? [] : [`${f}: ${r.out}`];
    });
}

/** shellcheck (style level) over all scripts at once, in chunks; its complaints. */
export function shellcheck(files: readonly string[]): string[] {
    const failures: string[] = [];
    for (let i = 0; i < files.length; i += 200) {
        const r = run("shellcheck", ["-s", "bash", "-S", "style", ...files.slice(i, i + 200)]);
        if (r.status !== 0) failures.push(r.out);
    }
    return failures;
}

/**
 * The crontab an install script writes: its own crontab-writing lines, run with `crontab` standing
 * in as a function that captures what the script pipes to it. undefined when it writes none.
 */
export function crontabWritten(installScript: string, dir: string): string | undefined {
    const lines = installScript.split("\n");
    const from = lines.indexOf("if command -v crontab >/dev/null; then");
    if (from < 0) return undefined;
    const to = lines.indexOf("fi", from);
    const file = path.join(dir, `crontab-${process.hrtime.bigint()}.txt`);
    const text = ["set -euo pipefail", `crontab() { if [ "$1" = -l ]; then return 1; fi; cat > ${JSON.stringify(file)}; }`, ...lines.slice(from, to + 1)].join("\n");
    const r = run("bash", ["-c", text]);
    if (r.status !== 0) throw new Error(`the crontab lines failed: ${r.out}`);
    return fs.readFileSync(file, "utf8");
}

/** Debian's own crontab parser in dry-run mode (`crontab -n FILE`); the failure, if any. */
export function crontabSyntax(text: string, dir: string): string | undefined {
    const file = path.join(dir, `crontab-check-${process.hrtime.bigint()}.txt`);
    fs.writeFileSync(file, text);
    const r = run("crontab", ["-n", file]);
    return r.status === 0 ? undefined : `${r.out.trim()}\n${text}`;
}

/**
 * Watchtower's six fields, checked by the same parser: minute..weekday as a crontab line, and the
 * seconds (0-59 like minutes) in the minute position; robfig's weekday stops at 6.
 */
export function watchtowerSchedule(schedule: string, dir: string): string | undefined {
    const f = schedule.split(" ");
    if (f.length !== 6) return `${schedule}: ${f.length} fields, Watchtower takes 6`;
    if (/(^|[,-])7([,-/]|$)/.test(f[5])) return `${schedule}: weekday 7 is outside robfig/cron's 0-6`;
    return crontabSyntax(`${f.slice(1).join(" ")} true\n${f[0]} 0 1 1 * true\n`, dir);
}

/** `cloud-init schema` on user data, and what PyYAML (cloud-init's parser) reads for the deploy user. */
export function cloudInit(file: string, deployUser: string, sshPublicKey: string, dir: string): string[] {
    const failures: string[] = [];
    const schema = run("cloud-init", ["schema", "-c", file]);
    if (schema.status !== 0 || !/Valid cloud-config/.test(schema.out)) failures.push(`cloud-init schema: ${schema.out}`);
    const read = run("python3", ["-c", "import json,sys,yaml; u=yaml.safe_load(open(sys.argv[1]))['users'][1]; print(json.dumps([u['name'], u['ssh_authorized_keys']]))", file]);
    if (read.status !== 0) return [...failures, `PyYAML: ${read.out}`];
    const [name, keys] = JSON.parse(read.out) as [unknown, unknown[]];
    if (name !== deployUser) failures.push(`PyYAML reads the deploy user as ${JSON.stringify(name)}, not ${JSON.stringify(deployUser)}`);
    if (keys.length !== 1 || keys[0] !== sshPublicKey) failures.push(`PyYAML reads the authorized keys as ${JSON.stringify(keys)}`);
    const keyFile = path.join(dir, `key-${process.hrtime.bigint()}.pub`);
    fs.writeFileSync(keyFile, `${sshPublicKey}\n`);
    const fingerprint = run("ssh-keygen", ["-l", "-f", keyFile]);
    if (fingerprint.status !== 0) failures.push(`ssh-keygen cannot read the deploy key: ${fingerprint.out}`);
    return failures;
}

/** A `docker` on PATH that runs `docker exec [-i] [-e NAME] mhylle-postgres PROGRAM ...` against a test cluster. */
export function postgresShim(dir: string): string {
    const bin = path.join(dir, "pgshim");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/bash
# Test double for the database scripts' docker calls: ${POSTGRES_CONTAINER} is the test cluster (PGHOST, PGPORT).
[ "$1" = exec ] || { echo "shim: unsupported docker $*" >&2; exit 1; }
shift
while [ $# -gt 0 ]; do case "$1" in -i) shift ;; -e) shift 2 ;; -*) echo "shim: unsupported option $1" >&2; exit 1 ;; *) break ;; esac; done
[ "$1" = ${POSTGRES_CONTAINER} ] || { echo "shim: unknown container $1" >&2; exit 1; }
shift
prog="$1"
shift
exec ${PG_BIN}/"$prog" "$@"
`,
        { mode: 0o755 },
    );
    return bin;
}

export const APP_PASSWORD = (app: string) => `battery-pw-${app}`;

/**
 * Runs a case's rendered database scripts as the server would (baseline, each app's, shared_db),
 * then logs in as each app's role: its own database works, another app's is refused.
 */
export function databaseScripts(scripts: string, apps: readonly string[], pg: Cluster, shim: string): string[] {
    const env = { PATH: `${shim}:${process.env.PATH}`, PGHOST: pg.dir, PGPORT: String(pg.port) };
    const failures: string[] = [];
    const runScript = (name: string, stdin = "", required = true) => {
        const file = path.join(scripts, `${name}.create.sh`);
        if (!fs.existsSync(file)) return void (required && failures.push(`${name}: no rendered ${path.basename(file)}`));
        const r = run("bash", [file], stdin, env);
        if (r.status !== 0) failures.push(`${name}: ${r.out}`);
    };
    runScript("database-baseline");
    for (const a of apps) runScript(`${a}-database`, `${APP_PASSWORD(a)}\n`);
    runScript("shared-database", "", false);
    for (const [i, a] of apps.entries()) {
        const own = pg.login(roleName(a), APP_PASSWORD(a), databaseName(a), "CREATE TABLE IF NOT EXISTS battery(x int); SELECT current_user;");
        if (own.status !== 0 || own.stdout.trim() !== roleName(a)) failures.push(`${a} cannot use its own database: ${own.stderr}`);
        const other = apps[(i + 1) % apps.length];
        if (other !== a && pg.login(roleName(a), APP_PASSWORD(a), databaseName(other), "SELECT 1").status === 0) failures.push(`${a} reaches ${other}'s database`);
    }
    return failures;
}
