// The dump drill reads each dump's row manifest (quote_ident's schema.table, a tab, the count) and
// counts each table in the restored copy. A table name is the app's choice: one with a line break
// splits its manifest line, and the second piece (`t; SELECT 424242; --"`) went into the drill's
// SQL as text, so the app's SQL ran and its answer stood as the table's row count. Now every
// manifest line must be a quoted name and a number, or the drill names the line and fails.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { appDatabaseSql, ROLE_PASSWORD_ENV } from "../../render/database-sql";
import { DUMP_DRILL_RESULT } from "../../render/backup/dump-drill";
import { needsImages, opsRoot, POSTGRES_IMAGE, psql, removeContainers, sh, startPostgres } from "../support/ops";

const PG = "opstest-drill-names-pg";
const SCRATCH = "opstest-drill-names-scratch";
const skip = needsImages(POSTGRES_IMAGE);
const ops = skip ? undefined : opsRoot();
const env = () => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG, PLATFORM_DRILL_SCRATCH: SCRATCH });

before(() => {
    if (skip) return;
    startPostgres(PG);
    psql(PG, "postgres", appDatabaseSql("app1"), { [ROLE_PASSWORD_ENV]: "pw-app1" });
    const r = sh("docker", ["exec", "-i", PG, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "app1", "-d", "app1_db"], {
        input: `CREATE TABLE events (id int); INSERT INTO events VALUES (1), (2), (3);
            CREATE TABLE t (id int);
            CREATE TABLE "x${"\n"}t; SELECT 424242; --" (id int);`,
    });
    assert.equal(r.code, 0, r.stderr);
});

after(() => {
    removeContainers(PG, SCRATCH);
    ops?.cleanup();
});

test("a table named with a line break never puts its name into the drill's SQL: the drill names the manifest line and fails", { skip }, () => {
    const backup = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env(), timeout: 300_000 });
    assert.equal(backup.code, 0, backup.stderr);
    const drill = sh(path.join(ops!.root, "bin/run-job"), ["dump-drill"], { env: env(), timeout: 300_000 });
    const text = fs.readFileSync(path.join(ops!.root, DUMP_DRILL_RESULT), "utf8");
    let result: any;
    assert.doesNotThrow(() => (result = JSON.parse(text)), `the drill's result, which the status page reads, is not JSON: ${JSON.stringify(text)}`);
    const errors: string[] = result.errors;
    assert.equal(errors.some((e) => e.includes("424242 rows")), false, `the app's SELECT ran as the drill's count: ${errors.join(" | ")}`);
    assert.ok(errors.some((e) => /app1_db: the row manifest has a line that is not a table and its row count .*SELECT\\? 424242/.test(e)), errors.join(" | "));
    assert.equal(result.ok, false);
    assert.notEqual(drill.code, 0);
});
