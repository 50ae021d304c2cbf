// The dump drill in managed database mode, where it is the only restore the platform can prove: the
// backup job dumps through its throwaway client container (as production's managed-client.ts runs
// it, pointed at a PostgreSQL 15 standing in for the managed instance, over TCP with a password)
// and records the row manifest in the dump's snapshot; the drill restores with the pinned image,
// with no PostgreSQL container on the server, and is green with RTO and RPO.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { validateConfig } from "../../../config/validate";
import { backupSchedule } from "../../../render/backup/jobs";
import { productionTargets } from "../../../render/backup/layout";
import { jobFiles } from "../../../render/schedule";
import { DUMP_DRILL_RESULT } from "../../../render/backup/dump-drill";
import { needsImages, ok, psql, removeContainers, sh, waitFor, POSTGRES_IMAGE } from "../../support/ops";
import { freePort } from "../../support/ports";

const PG = "drillk-managed";
const skip = needsImages(POSTGRES_IMAGE);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "drillk-managed-"));
let port = 0;
let backup: ReturnType<typeof sh>;
let drill: ReturnType<typeof sh>;
const env = () => ({
    PLATFORM_ROOT: root,
    PLATFORM_PG_ENV_FILE: path.join(root, "pg.env"),
    PLATFORM_PG_CA_FILE: path.join(root, "ca.pem"),
    PLATFORM_PG_CLIENT_IMAGE: POSTGRES_IMAGE,
    PLATFORM_DRILL_SCRATCH: "drillk-managed-scratch",
    // No PostgreSQL container on a managed-mode server: the drill must not need one.
    PLATFORM_POSTGRES_CONTAINER: "drillk-no-such-container",
});

before(async () => {
    if (skip) return;
    port = await freePort();
    removeContainers(PG);
    ok("docker", ["run", "-d", "--name", PG, "-p", `127.0.0.1:${port}:5432`, "-e", "POSTGRES_PASSWORD=managed-pw", POSTGRES_IMAGE]);
    waitFor(() => sh("docker", ["exec", PG, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"]).code === 0, 60_000, `${PG} ready`);
    psql(PG, "postgres", "CREATE DATABASE app1_db;");
    psql(PG, "app1_db", "CREATE TABLE visits (id serial PRIMARY KEY, at timestamptz DEFAULT now()); INSERT INTO visits SELECT FROM generate_series(1, 1234);");
    fs.writeFileSync(path.join(root, "pg.env"), `PGHOST=127.0.0.1\nPGPORT=${port}\nPGUSER=postgres\nPGPASSWORD=managed-pw\nPGSSLMODE=disable\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(root, "ca.pem"), "", { mode: 0o644 });
    const b = validateConfig({}).backups;
    const { jobs, commands } = backupSchedule(productionTargets("/opt/platform"), b, { managed: { image: POSTGRES_IMAGE, databases: ["app1_db"] }, postgresContainer: false });
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    for (const f of jobFiles(root, jobs, commands)) fs.writeFileSync(path.join(root, "bin", f.path), f.content, { mode: 0o755 });
    backup = sh(path.join(root, "bin/run-job"), ["backup"], { env: env() });
    drill = sh(path.join(root, "bin/run-job"), ["dump-drill"], { env: env(), timeout: 300_000 });
});

after(() => {
    removeContainers(PG, "drillk-managed-scratch");
    fs.rmSync(root, { recursive: true, force: true });
});

test("managed mode: the dump through the client container has its row manifest, and the drill is green with RTO and RPO", { skip }, () => {
    assert.equal(backup.code, 0, fs.readFileSync(path.join(root, "logs/jobs/backup.log"), "utf8"));
    const dir = path.join(root, "backups/app1_db");
    const dump = fs.readdirSync(dir).filter((f) => f.endsWith(".dump")).sort().pop()!;
    assert.match(fs.readFileSync(path.join(dir, `${dump}.rows`), "utf8"), /^public\.visits\t1234$/m);
    assert.equal(drill.code, 0, fs.readFileSync(path.join(root, "logs/jobs/dump-drill.log"), "utf8"));
    const d = JSON.parse(fs.readFileSync(path.join(root, DUMP_DRILL_RESULT), "utf8"));
    assert.equal(d.ok, true);
    assert.deepEqual(d.checks, [`app1_db: 1 tables, 1234 rows, as dumped (${dump})`]);
    assert.ok(Number.isInteger(d.rtoSeconds) && Number.isInteger(d.rpoSeconds), JSON.stringify(d));
});
