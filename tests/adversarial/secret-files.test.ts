// Issue 23 item 8: every file the platform writes that holds a secret is 0600 in a 0700 folder and
// owned by its one reader: the deploy user (env files, logins, alert and off-site secrets) or the
// container user that reads it through a bind mount (the superuser's password, the exporter's).
// The scripts are the ones the production program declares (under mocks), run for real on this
// machine with the server's root moved to a temporary folder.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { REMOTE_COMMAND, Recorded, prodConfig, recordProgram, reveal } from "../support/program";
import { needsImages } from "../support/requirements";
import { SECRETS_DIR } from "../../render/secret-file";
import { TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";

/** The PostgreSQL image the tests build: stands in for prod's pinned one (no registry here). */
const PG_IMAGE = "local/postgres:15";
const skip = needsImages(PG_IMAGE);
const ROOT = "/opt/platform";
const secrets = { backupIdentity: TEST_AGE_IDENTITY, alertWebhookUrl: "https://hooks.example.com/secret-files-token" };
const withEverything = {
    ...prodConfig(),
    backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } },
    monitoring: { prometheus: { enabled: true }, alerts: { webhook: { enabled: true } } },
};
/** Point-in-time recovery on the server's own repository: pgbackrest.conf holds the cipher passphrase. */
const withPitr = { ...prodConfig(), backups: { pitr: { enabled: true } }, monitoring: { prometheus: { enabled: true } } };
/** The move onto the managed database: the backup user's env file and the move's logins. */
const managed = { ...prodConfig(), database: { managed: { enabled: true, phase: "switched" } } };

let dir: string;
const runs: Recorded[] = [];
before(async () => {
    if (skip) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wtd-secret-files-"));
    runs.push(await recordProgram(withEverything, secrets), await recordProgram(managed), await recordProgram(withPitr, { backupCipherPass: "secret-files-cipher-pass" }));
});
after(() => {
    if (!dir) return;
    // Files handed to a container user go with their folder (removing needs write on the folder only).
    fs.rmSync(dir, { recursive: true, force: true });
});

/** Each command that writes into the secrets folder, as `pulumi up` would run it, under `root`. */
function writeSecrets(r: Recorded, root: string) {
    const writers = r.ofType(REMOTE_COMMAND).filter((c) => String(reveal(c.inputs.create)).includes(`${ROOT}/${SECRETS_DIR}/`));
    for (const c of writers) {
        const create = String(reveal(c.inputs.create))
            .split(ROOT).join(root)
            .replace(/image='[^']*'/g, `image='${PG_IMAGE}'`);
        const run = spawnSync("bash", ["-c", create], { input: String(reveal(c.inputs.stdin) ?? ""), encoding: "utf8" });
        assert.equal(run.status, 0, `${c.name}: ${run.stderr}`);
    }
    return writers.map((c) => c.name);
}

const imageUid = (user: string) => spawnSync("docker", ["run", "--rm", "--entrypoint", "id", PG_IMAGE, "-u", user], { encoding: "utf8" }).stdout.trim();

test("every secret file is 0600 in a 0700 folder, owned by the deploy user or by the one container user that reads it", { skip }, () => {
    const seen = new Map<string, fs.Stats>();
    runs.forEach((r, i) => {
        const root = path.join(dir, `root${i}`);
        fs.mkdirSync(root);
        const writers = writeSecrets(r, root);
        assert.ok(writers.length >= 3, `secret writers found: ${writers.join(", ")}`);
        const folder = path.join(root, SECRETS_DIR);
        assert.equal(fs.statSync(folder).mode & 0o777, 0o700, "the secrets folder");
        for (const f of fs.readdirSync(folder)) seen.set(f, fs.statSync(path.join(folder, f)));
    });
    // Every kind the program writes: the names are what the loop below checked.
    assert.deepEqual([...seen.keys()].sort(), ["alerts.env", "managed-database.env", "managed-logins", "offsite.env", "pgbackrest.conf", "pgbouncer-auth", "pgbouncer.ini", "postgres-exporter-password", "postgres-superuser"].sort());
    // pgbouncer-auth (the auth role's password) and pgbouncer.ini: the pooler's user's (the postgres base's).
    const owners: Record<string, number> = { "postgres-superuser": Number(imageUid("postgres")), "pgbackrest.conf": Number(imageUid("postgres")), "pgbouncer-auth": Number(imageUid("postgres")), "pgbouncer.ini": Number(imageUid("postgres")), "postgres-exporter-password": 65534 };
    for (const [f, st] of seen) {
        assert.equal((st.mode & 0o777).toString(8), "600", `${f}: mode`);
        assert.equal(st.uid, owners[f] ?? process.getuid!(), `${f}: owner`);
    }
});

test("the superuser's password file reads as the postgres user in its container and as no other user", { skip }, () => {
    const file = path.join(dir, "root0", SECRETS_DIR, "postgres-superuser");
    const read = (user: string) => spawnSync("docker", ["run", "--rm", "--user", user, "--entrypoint", "cat", "-v", `${file}:/run/secrets/s:ro`, PG_IMAGE, "/run/secrets/s"], { encoding: "utf8" });
    const superuser = reveal(runs[0]!.byName("database-superuser-secret").inputs.stdin);
    assert.equal(read("postgres").stdout, superuser, read("postgres").stderr);
    const other = read("65534:65534");
    assert.notEqual(other.status, 0);
    assert.match(other.stderr, /Permission denied/);
});
