// The apps' group role is created by every app's provisioning and by the pooler's, which the engine
// runs at once. Against a real PostgreSQL 15: sessions held at the CREATE by a lock on pg_authid and
// released together all succeed (the old `WHERE NOT EXISTS` form fails the same way the multi-server
// run did in CI: duplicate key value violates unique constraint "pg_authid_rolname_index").
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { appDatabaseSql, ROLE_PASSWORD_ENV } from "../../../render/database-sql";
import { APP_GROUP_ROLE, appGroupRoleSql, poolerAuthSql } from "../../../render/database/pooler";
import { Cluster, PG_BIN, startCluster } from "../../support/postgres";
import { needs } from "../../support/requirements";

const skip = needs("root") || (fs.existsSync(`${PG_BIN}/initdb`) ? false : needs(`${PG_BIN}/initdb`));
const SESSIONS = 6;
let pg: Cluster;

before(() => {
    if (skip) return;
    pg = startCluster();
});
after(() => pg?.stop());

function psqlAsync(sql: string, env: Record<string, string> = {}): Promise<{ status: number; stderr: string }> {
    return new Promise((resolve) => {
        const p = spawn(`${PG_BIN}/psql`, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.dir, "-p", String(pg.port), "-U", "postgres", "-d", "postgres"], { env: { ...process.env, ...env } });
        let stderr = "";
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (code) => resolve({ status: code ?? -1, stderr }));
        p.stdin.end(sql);
    });
}

async function waitFor(what: string, check: () => boolean) {
    for (let i = 0; i < 200; i++) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
}

const waitingOnAuthid = () => Number(pg.psql("\\pset tuples_only on\nSELECT count(*) FROM pg_locks WHERE relation = 'pg_authid'::regclass AND NOT granted;").stdout.trim());

/** Runs `sql` in SESSIONS sessions, each held at its first write to pg_authid until all are waiting. */
async function createTogether(sql: string) {
    assert.equal(pg.psql(`DROP ROLE IF EXISTS ${APP_GROUP_ROLE};`).status, 0);
    // A SHARE lock conflicts with the ROW EXCLUSIVE lock every CREATE ROLE takes, not with reads.
    const holder = spawn(`${PG_BIN}/psql`, ["-X", "-q", "-h", pg.dir, "-p", String(pg.port), "-U", "postgres", "-d", "postgres"], { stdio: ["pipe", "pipe", "pipe"] });
    let held = "";
    holder.stdout.on("data", (d) => (held += d));
    holder.stdin.write("BEGIN; LOCK TABLE pg_authid IN SHARE MODE; SELECT 'held';\n");
    await waitFor("the lock on pg_authid", () => held.includes("held"));
    const runs = Array.from({ length: SESSIONS }, () => psqlAsync(sql));
    await waitFor(`${SESSIONS} sessions waiting on pg_authid`, () => waitingOnAuthid() === SESSIONS);
    holder.stdin.end("COMMIT;\n");
    return Promise.all(runs);
}

test("the old `WHERE NOT EXISTS` form fails when sessions create the group role together (the harness sees the race)", { skip }, async () => {
    const old = `\\set ON_ERROR_STOP on\nSELECT 'CREATE ROLE ${APP_GROUP_ROLE} NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_GROUP_ROLE}')\\gexec\n`;
    const results = await createTogether(old);
    const failed = results.filter((r) => r.status !== 0);
    assert.equal(failed.length, SESSIONS - 1, `one session creates the role, the others fail: ${JSON.stringify(results)}`);
    for (const f of failed) assert.match(f.stderr, /duplicate key value violates unique constraint "pg_authid_rolname_index"|already exists/);
});

test("appGroupRoleSql: every session creating the group role together succeeds, and the role exists once", { skip }, async () => {
    const results = await createTogether(`\\set ON_ERROR_STOP on\n${appGroupRoleSql()}`);
    assert.deepEqual(results.map((r) => r.status), Array(SESSIONS).fill(0), JSON.stringify(results));
    assert.equal(pg.psql(`\\pset tuples_only on\nSELECT count(*) FROM pg_roles WHERE rolname = '${APP_GROUP_ROLE}' AND NOT rolcanlogin;`).stdout.trim(), "1");
    assert.equal(pg.psql(`\\set ON_ERROR_STOP on\n${appGroupRoleSql()}`).status, 0, "and again when the role exists");
});

test("every script that creates the group role does it through appGroupRoleSql, and nothing else creates it", () => {
    const scripts = { app1: appDatabaseSql("app1"), pooler: poolerAuthSql() };
    for (const [name, sql] of Object.entries(scripts)) {
        assert.ok(sql.includes(appGroupRoleSql()), `${name}'s SQL creates the group role race-safely`);
        assert.equal(sql.split(`CREATE ROLE ${APP_GROUP_ROLE}`).length, 2, `${name}'s SQL creates the group role once`);
    }
});

test("app provisioning of many apps at once, with the pooler's, all succeed on a fresh cluster", { skip }, async () => {
    assert.equal(pg.psql(`DROP ROLE IF EXISTS ${APP_GROUP_ROLE};`).status, 0);
    const apps = Array.from({ length: SESSIONS }, (_, i) => `race${i}`);
    const results = await Promise.all([
        ...apps.map((a) => psqlAsync(appDatabaseSql(a), { [ROLE_PASSWORD_ENV]: `pw-${a}-Secret` })),
        psqlAsync(poolerAuthSql(), { PLATFORM_ROLE_PASSWORD: "pooler-Secret" }),
    ]);
    assert.deepEqual(results.map((r) => r.status), Array(apps.length + 1).fill(0), JSON.stringify(results));
    const members = pg.psql(`\\pset tuples_only on\nSELECT count(*) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = '${APP_GROUP_ROLE}';`).stdout.trim();
    assert.equal(members, String(apps.length), "every app's role is a member of the group");
});
