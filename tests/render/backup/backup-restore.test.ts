// Back up every database with the production backup job, drop them, restore each with the
// production restore command: row for row identical, owners and grants included.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { appDatabaseSql, sharedDatabaseSql, ROLE_PASSWORD_ENV } from "../../../render/database-sql";
import { databaseName, roleName } from "../../../config/naming";
import { needsImages, opsRoot, psql, removeContainers, sh, startPostgres, POSTGRES_IMAGE } from "../../support/ops";

const PG = "opstest-backup-postgres";
const APPS = ["app1", "app2", "shop-api"];
const DATABASES = [...APPS.map(databaseName), "shared_db"];
const skip = needsImages(POSTGRES_IMAGE);
const ops = skip ? undefined : opsRoot();
const env = () => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG });

// Types that round-trip badly when a dump is wrong: text with tabs and newlines, bytea, jsonb,
// arrays, numeric, timestamptz, NULLs; plus a sequence, an index, a view and a foreign key.
const DATA = (app: string) => `
SET ROLE ${roleName(app)};
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, note text, born date, balance numeric(12,2), tags text[], doc jsonb, photo bytea, seen timestamptz);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer int REFERENCES customers(id), total numeric, placed timestamptz DEFAULT now());
CREATE INDEX orders_customer ON orders(customer);
CREATE VIEW big_spenders AS SELECT customer, sum(total) AS spent FROM orders GROUP BY customer HAVING sum(total) > 100;
INSERT INTO customers (name, note, born, balance, tags, doc, photo, seen)
  SELECT '${app} customer ' || i || E' \\t tab', CASE WHEN i % 7 = 0 THEN NULL ELSE E'line1\\nline2 ünïcödé ' || md5(i::text) END,
         date '1970-01-01' + i, (i * 3.17)::numeric(12,2), ARRAY['t' || (i % 5), 'x,y'], jsonb_build_object('i', i, 'nested', jsonb_build_array(i, 'a"b')),
         decode(md5(i::text), 'hex'), timestamptz '2026-01-01 00:00:00+00' + (i || ' minutes')::interval
  FROM generate_series(1, 5000) i;
INSERT INTO orders (customer, total, placed) SELECT 1 + (i % 5000), (i % 250) + 0.5, timestamptz '2026-06-01 12:00:00+00' + (i || ' seconds')::interval FROM generate_series(1, 20000) i;
SELECT setval('orders_id_seq', 987654);
`;

/** Per table: row count and an md5 over every row in a stable order; plus owners and sequence values. */
function fingerprint(db: string): Record<string, string> {
    const tables = psql(PG, db, "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1;").trim().split("\n").filter(Boolean);
    const out: Record<string, string> = {};
    for (const t of tables) out[t] = psql(PG, db, `SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') FROM ${t} x;`).trim();
    out["@owners"] = psql(PG, db, "SELECT string_agg(c.relname || ':' || pg_get_userbyid(c.relowner), ',' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public';").trim();
    out["@sequences"] = psql(PG, db, "SELECT string_agg(sequencename || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY sequencename) FROM pg_sequences;").trim();
    out["@database"] = psql(PG, "postgres", `SELECT pg_get_userbyid(datdba) || ' ' || coalesce(datacl::text, '') FROM pg_database WHERE datname = '${db}';`).trim();
    out["@view"] = psql(PG, db, "SELECT count(*) FROM pg_views WHERE schemaname = 'public';").trim();
    return out;
}

// The scenario, once: fingerprint, back up with the nightly job, drop every database, restore each.
let fingerprints: Record<string, Record<string, string>> = {};
let job: ReturnType<typeof sh>;
let dropped = "";
let restores: Record<string, ReturnType<typeof sh>> = {};
before(() => {
    if (skip) return;
    startPostgres(PG);
    for (const app of APPS) psql(PG, "postgres", appDatabaseSql(app), { [ROLE_PASSWORD_ENV]: `pw-${app}` });
    psql(PG, "postgres", sharedDatabaseSql(["app1"], APPS));
    for (const app of APPS) psql(PG, databaseName(app), DATA(app));
    psql(PG, "shared_db", DATA("app1"));
    fingerprints = Object.fromEntries(DATABASES.map((db) => [db, fingerprint(db)]));

    const t0 = Date.now();
    job = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
    const backupMs = Date.now() - t0;
    for (const db of DATABASES) psql(PG, "postgres", `DROP DATABASE ${db} WITH (FORCE);`);
    dropped = psql(PG, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%_db';").trim();
    const t1 = Date.now();
    restores = Object.fromEntries(DATABASES.map((db) => [db, sh(path.join(ops!.root, "bin/restore"), [db], { env: env() })]));
    console.log(JSON.stringify({ figure: "backup-restore", databases: DATABASES.length, backupMs, restoreMs: Date.now() - t1 }));
});

after(() => {
    removeContainers(PG);
    ops?.cleanup();
});

test("the backup job succeeds and its summary lists every database and the globals as ok", { skip }, () => {
    assert.equal(fingerprints.app1_db["public.customers"].split(" ")[0], "5000", "the data to back up is there");
    assert.equal(job.code, 0, fs.readFileSync(path.join(ops!.root, "logs/jobs/backup.log"), "utf8"));
    assert.match(fs.readFileSync(path.join(ops!.root, "state/jobs/backup.status"), "utf8"), /^0 \d+ \d+\n$/);
    const summary = fs.readFileSync(path.join(ops!.root, "state/backups/last.tsv"), "utf8");
    for (const db of [...DATABASES, "globals"]) assert.match(summary, new RegExp(`^${db}\\tok\\t[1-9]`, "m"), summary);
});

test("each database has one dump, named for it and its time, readable by the deploy user only", { skip }, () => {
    for (const db of DATABASES) {
        // The dump and its row manifest (dump-manifest.ts, for the dump drill).
        const files = fs.readdirSync(path.join(ops!.root, "backups", db)).sort();
        assert.equal(files.length, 2, files.join(" "));
        assert.match(files[0], new RegExp(`^${db}_\\d{8}T\\d{6}Z\\.dump$`));
        assert.equal(files[1], `${files[0]}.rows`);
        // Dumps hold every app's data: the deploy user's only.
        for (const f of files) assert.equal(fs.statSync(path.join(ops!.root, "backups", db, f)).mode & 0o777, 0o600);
    }
});

test("after every database is dropped, restore brings each back row for row identical, owners and grants included", { skip }, () => {
    assert.equal(dropped, "0", "the databases were dropped before the restore");
    for (const db of DATABASES) {
        assert.equal(restores[db].code, 0, restores[db].stderr);
        assert.match(restores[db].stdout, new RegExp(`restored ${db} from .*\\(2 tables\\)`));
        assert.deepEqual(fingerprint(db), fingerprints[db], db);
    }
});

test("the restored app role reaches its own database and only it", { skip }, () => {
    // Over TCP with the role's password: the image's pg_hba.conf lets any role reach any database
    // that way, so a refusal can only come from the restored grants (the platform's REVOKE).
    const asApp1 = (db: string) => sh("docker", ["exec", "-e", "PGPASSWORD=pw-app1", PG, "psql", "-X", "-At", "-h", "127.0.0.1", "-U", "app1", "-d", db, "-c", "SELECT current_user"]);
    const own = asApp1("app1_db");
    assert.equal(own.stdout.trim(), "app1", own.stderr);
    const hba = psql(PG, "postgres", "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND 'all' = ANY(database) AND 'all' = ANY(user_name) AND auth_method = 'scram-sha-256' AND error IS NULL;").trim();
    assert.notEqual(hba, "0", "pg_hba.conf lets app1 reach app2_db over TCP with its password");
    const denied = asApp1("app2_db");
    assert.notEqual(denied.code, 0, denied.stdout);
    assert.match(denied.stderr, /permission denied for database "app2_db"\s+DETAIL:\s+User does not have CONNECT privilege/);
});

test("restore refuses to overwrite a live database without --replace, and --replace keeps the old data aside", { skip }, () => {
    const db = "app2_db";
    const refused = sh(path.join(ops!.root, "bin/restore"), [db], { env: env() });
    assert.equal(refused.code, 73);
    assert.match(refused.stderr, /app2_db exists\. Stop the app's backend first, then: restore --replace app2_db/);

    psql(PG, db, "SET ROLE app2; INSERT INTO customers (name) VALUES ('written after the backup');");
    const replaced = sh(path.join(ops!.root, "bin/restore"), ["--replace", db], { env: env() });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(psql(PG, db, "SELECT count(*) FROM customers WHERE name = 'written after the backup';").trim(), "0");
    const safety = fs.readdirSync(path.join(ops!.root, "backups", db)).filter((f) => f.endsWith(".pre-restore"));
    assert.equal(safety.length, 1);
    // The pre-restore copy is a dump of the replaced data: it restores the late row back.
    const undo = sh(path.join(ops!.root, "bin/restore"), ["--replace", db, path.join(ops!.root, "backups", db, safety[0])], { env: env() });
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal(psql(PG, db, "SELECT count(*) FROM customers WHERE name = 'written after the backup';").trim(), "1");
});

test("restore refuses a file that is not a dump of that database", { skip }, () => {
    const rows = psql(PG, "app2_db", "SELECT count(*) FROM customers;").trim();
    const app1Dump = fs.readdirSync(path.join(ops!.root, "backups", "app1_db")).find((f) => f.endsWith(".dump"))!;
    const wrong = sh(path.join(ops!.root, "bin/restore"), ["--replace", "app2_db", path.join(ops!.root, "backups", "app1_db", app1Dump)], { env: env() });
    assert.equal(wrong.code, 65);
    assert.match(wrong.stderr, /is a dump of 'app1_db', not of 'app2_db'/);
    const garbage = path.join(ops!.root, "garbage.dump");
    fs.writeFileSync(garbage, "not a dump");
    const bad = sh(path.join(ops!.root, "bin/restore"), ["--replace", "app2_db", garbage], { env: env() });
    assert.equal(bad.code, 65);
    assert.equal(psql(PG, "app2_db", "SELECT count(*) FROM customers;").trim(), rows, "nothing was dropped");
});
