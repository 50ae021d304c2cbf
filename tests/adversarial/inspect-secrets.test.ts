// Secrets never in `docker inspect` (issue 23): the short-lived client containers the platform runs
// are inspected while they run, and none shows a secret. The backup job's managed-database client
// (render/backup/managed-client.ts) and migrate-database's (render/migrate/) dump from a PostgreSQL
// that is paused, so they wait on it while this test reads `docker inspect`; then it resumes and
// the backup finishes, which proves the password reached pg_dump through its password file. The
// off-site upload runs an rclone stand-in (no rclone image here) that waits until stopped and
// exits 0 only when the config it was given (--config) is readable and holds the secret key.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChildProcess, spawn } from "node:child_process";
import { validateConfig } from "../../config/validate";
import { backupSchedule } from "../../render/backup/jobs";
import { productionTargets } from "../../render/backup/layout";
import { jobFiles } from "../../render/schedule";
import { migrateDatabaseScript } from "../../render/migrate/migrate";
import { SERVER_CA_FILE, SERVER_ENDPOINT_FILE } from "../../render/managed-database";
import { script } from "../../render/shell";
import { POSTGRES_IMAGE, needsImages, ok, opsRoot, psql, removeContainers, sh, startPostgres, waitFor } from "../support/ops";
import { ROLE_PASSWORD_ENV, appDatabaseSql } from "../../render/database-sql";
import { installOffsiteEnvScript, offsiteEnvFile } from "../../render/backup/offsite";
import { TEST_AGE_RECIPIENT, TEST_SERVER_ACCESS } from "../support/prod-stack";
import { freePort } from "../support/ports";
import { leaks } from "../support/inspect-leaks";

const skip = needsImages(POSTGRES_IMAGE);
// The clients run an image of their own (a label on top of the PostgreSQL image), so the client
// containers are found by their image alone, never another test's PostgreSQL.
const CLIENT_IMAGE = `wts-pgclient:${process.pid}`;
const MANAGED = "wts-inspect-managed";
const SOURCE = "wts-inspect-source";
// The role's password: a marker, and every character a password file has to escape.
const PASSWORD = `wtsP1 it's: a\\b $x "q" \`c\` ;&|`;
const SECRETS = { PGPASSWORD: PASSWORD };
const work = fs.mkdtempSync(path.join(os.tmpdir(), "wts-inspect-"));
let port = 0;

/** Runs a script in the background; resolves with its exit code and output. */
function background(cmd: string, args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    return { child, done: new Promise((resolve) => child.on("close", (code) => resolve({ code, out }))) };
}

/** `docker inspect` of the first container of `image` seen running, and its ID. */
function inspectRunning(image = CLIENT_IMAGE): { id: string; json: string } {
    let id = "";
    waitFor(() => (id = ok("docker", ["ps", "-q", "--filter", `ancestor=${image}`]).trim().split("\n")[0]) !== "", 60_000, `a container of ${image}`);
    return { id, json: ok("docker", ["inspect", id]) };
}
const inspectRunningClient = () => inspectRunning().json;

describe("client containers, inspected while they run", { skip }, () => {
    before(async () => {
        port = await freePort();
        ok("docker", ["build", "-q", "-t", CLIENT_IMAGE, "-"], { input: `FROM ${POSTGRES_IMAGE}\nLABEL wts.inspect-secrets=client\n` });
        removeContainers(MANAGED, SOURCE);
        for (const [name, args] of [[MANAGED, ["-p", `127.0.0.1:${port}:5432`]], [SOURCE, []]] as const) {
            ok("docker", ["run", "-d", "--name", name, ...args, "-e", "POSTGRES_PASSWORD=wts-server-init", POSTGRES_IMAGE]);
            waitFor(() => sh("docker", ["exec", name, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"]).code === 0, 60_000, `${name} ready`);
        }
        // The password set by SQL (a literal, its quotes doubled): no shell sees it.
        psql(MANAGED, "postgres", `ALTER ROLE postgres PASSWORD '${PASSWORD.replace(/'/g, "''")}'; CREATE DATABASE app1_db;`);
        psql(MANAGED, "app1_db", "CREATE TABLE visits (id int); INSERT INTO visits SELECT generate_series(1, 10);");
        psql(SOURCE, "postgres", "CREATE ROLE app1 LOGIN; CREATE DATABASE app1_db OWNER app1;");
        fs.mkdirSync(path.join(work, "database"), { recursive: true });
        fs.writeFileSync(path.join(work, SERVER_CA_FILE), "", { mode: 0o644 });
        fs.writeFileSync(path.join(work, SERVER_ENDPOINT_FILE), `127.0.0.1 ${port}\n`);
    });
    after(() => {
        sh("docker", ["unpause", MANAGED]);
        const clients = sh("docker", ["ps", "-aq", "--filter", `ancestor=${CLIENT_IMAGE}`]).stdout.split("\n").filter(Boolean);
        if (clients.length) sh("docker", ["rm", "-f", ...clients]);
        removeContainers(MANAGED, SOURCE);
        sh("docker", ["rmi", "-f", CLIENT_IMAGE]);
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("the backup job's managed client: no password in docker inspect; the dump still logs in, by its password file", async () => {
        const root = path.join(work, "backup");
        fs.mkdirSync(path.join(root, "bin"), { recursive: true });
        const envFile = path.join(root, "pg.env");
        fs.writeFileSync(envFile, `PGHOST=127.0.0.1\nPGPORT=${port}\nPGUSER=postgres\nPGPASSWORD=${PASSWORD}\nPGSSLMODE=disable\n`, { mode: 0o600 });
        const { jobs, commands } = backupSchedule(productionTargets("/opt/platform"), validateConfig({}).backups, { managed: { image: CLIENT_IMAGE, databases: ["app1_db"] }, postgresContainer: false });
        for (const f of jobFiles(root, jobs, commands)) fs.writeFileSync(path.join(root, "bin", f.path), f.content, { mode: 0o755 });
        ok("docker", ["pause", MANAGED]);
        const job = background(path.join(root, "bin/run-job"), ["backup"], { PLATFORM_ROOT: root, PLATFORM_PG_ENV_FILE: envFile, PLATFORM_PG_CA_FILE: path.join(work, SERVER_CA_FILE) });
        let inspected: string;
        try {
            inspected = inspectRunningClient();
        } finally {
            ok("docker", ["unpause", MANAGED]);
        }
        const r = await job.done;
        assert.equal(r.code, 0, r.out + fs.readFileSync(path.join(root, "logs/jobs/backup.log"), "utf8"));
        assert.deepEqual(leaks(inspected, SECRETS), []);
        assert.ok(fs.readdirSync(path.join(root, "backups/app1_db")).some((f) => f.endsWith(".dump")));
        // The password file: the client's uid's alone (nobody, as the job runs as root here).
        const st = fs.statSync(path.join(root, "pg.pgpass"));
        assert.equal((st.mode & 0o777).toString(8), "600");
        if (process.getuid?.() === 0) assert.equal(st.uid, 65534);
    });

    it("migrate-database's managed client: no password in docker inspect", async () => {
        const logins = path.join(work, "logins");
        fs.writeFileSync(logins, `app1_db postgres ${PASSWORD}\npostgres postgres x\n`, { mode: 0o600 });
        const text = script(migrateDatabaseScript({ root: work, postgresContainer: SOURCE, nginxContainer: "wts-no-nginx" } as never, { image: CLIENT_IMAGE, apps: ["app1"], sharedDb: false, sharedDbGrants: [], sslMode: "disable" } as never));
        ok("docker", ["pause", MANAGED]);
        const run = background("bash", ["-c", text, "migrate-database", "verify"], { PLATFORM_MIGRATE_LOGINS: logins });
        let inspected: string;
        try {
            inspected = inspectRunningClient();
        } finally {
            try {
                process.kill(-run.child.pid!, "SIGTERM");
            } catch {
                // already gone
            }
            ok("docker", ["unpause", MANAGED]);
        }
        await run.done;
        assert.deepEqual(leaks(inspected, SECRETS), []);
    });
    it("migrate-database copy through the managed client logs in by its password file at every step (the restore too)", async () => {
        const logins = path.join(work, "logins-copy");
        fs.writeFileSync(logins, `app1_db postgres ${PASSWORD}\npostgres postgres ${PASSWORD}\n`, { mode: 0o600 });
        // The instance's app1_db as a first copy finds it: empty (the other tests' table goes).
        psql(MANAGED, "app1_db", "DROP TABLE visits;");
        psql(SOURCE, "app1_db", "SET ROLE app1; CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 25) g;");
        const text = script(migrateDatabaseScript({ root: work, postgresContainer: SOURCE, nginxContainer: "wts-no-nginx" } as never, { image: CLIENT_IMAGE, apps: ["app1"], sharedDb: false, sharedDbGrants: [], sslMode: "disable" } as never));
        const r = await background("bash", ["-c", text, "migrate-database", "copy"], { PLATFORM_MIGRATE_LOGINS: logins }).done;
        assert.equal(r.code, 0, r.out);
        assert.equal(psql(MANAGED, "app1_db", "SELECT count(*) FROM items;").trim(), "25", "the rows reached the instance");
    });
});

const RCLONE_STANDIN = `wts-rclone-standin:${process.pid}`;
const ACCESS = "SCWWTSACCESSKEYP2";
const SECRET_KEY = "wtsP3-0f3a6c1e-secret-key-value";
const STANDIN_SCRIPT = `#!/bin/sh
# rclone --config FILE copy ...: the config must be readable, with the secret key in it.
[ "$1" = --config ] && grep -q '^secret_access_key = .' "$2" || { echo "cannot read the rclone config $2" >&2; exit 1; }
trap 'exit 0' TERM
sleep 600 & wait
`;

describe("the off-site upload's rclone container, inspected while it runs", { skip }, () => {
    const PG = "wts-inspect-offsite-pg";
    let ops: ReturnType<typeof opsRoot>;
    before(() => {
        const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "wts-standin-"));
        fs.writeFileSync(path.join(ctx, "rclone"), STANDIN_SCRIPT, { mode: 0o755 });
        fs.writeFileSync(path.join(ctx, "Dockerfile"), `FROM ${POSTGRES_IMAGE}\nCOPY rclone /usr/local/bin/rclone-standin\nENTRYPOINT ["/usr/local/bin/rclone-standin"]\n`);
        ok("bash", ["-c", `tar -C ${ctx} -c . | DOCKER_BUILDKIT=0 docker build -q -t ${RCLONE_STANDIN} -`]);
        fs.rmSync(ctx, { recursive: true, force: true });
        ops = opsRoot({
            target: "scaleway",
            domain: "mhylle.com",
            server: TEST_SERVER_ACCESS,
            backups: { offsite: { enabled: true, bucket: "wts-backups", region: "nl-ams", recipient: TEST_AGE_RECIPIENT, image: RCLONE_STANDIN } },
        });
        startPostgres(PG);
        psql(PG, "postgres", appDatabaseSql("app1"), { [ROLE_PASSWORD_ENV]: "pw" });
        const installed = sh("bash", ["-c", installOffsiteEnvScript(ops.root)], { input: offsiteEnvFile("nl-ams", ACCESS, SECRET_KEY) });
        assert.equal(installed.code, 0, installed.stderr);
    });
    after(() => {
        const left = sh("docker", ["ps", "-aq", "--filter", `ancestor=${RCLONE_STANDIN}`]).stdout.split("\n").filter(Boolean);
        if (left.length) sh("docker", ["rm", "-f", ...left]);
        removeContainers(PG);
        sh("docker", ["rmi", "-f", RCLONE_STANDIN]);
        ops?.cleanup();
    });

    it("no key in docker inspect; rclone reads them from its config file, and the upload succeeds", async () => {
        const job = background(path.join(ops.root, "bin/run-job"), ["backup"], { ...ops.env, PLATFORM_POSTGRES_CONTAINER: PG });
        let seen: { id: string; json: string };
        try {
            seen = inspectRunning(RCLONE_STANDIN);
        } finally {
            sh("docker", ["ps", "-q", "--filter", `ancestor=${RCLONE_STANDIN}`]).stdout.split("\n").filter(Boolean).forEach((id) => sh("docker", ["stop", "-t", "30", id]));
        }
        const r = await job.done;
        assert.deepEqual(leaks(seen.json, { ACCESS, SECRET_KEY }), []);
        const log = fs.readFileSync(path.join(ops.root, "logs/jobs/backup.log"), "utf8");
        assert.equal(r.code, 0, r.out + log);
        assert.match(fs.readFileSync(path.join(ops.root, "state/backups/last.tsv"), "utf8"), /^offsite\tok\t/m);
        const conf = path.join(ops.root, "secrets/offsite.rclone.conf");
        assert.equal((fs.statSync(conf).mode & 0o777).toString(8), "600");
    });
});
