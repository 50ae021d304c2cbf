// What postgres-exporter relies on, against real PostgreSQL 15 (the exporter images cannot be
// pulled here): the monitor role. nginx's status server is the proxy's own (tests/integration/nginx).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../support/requirements";
import { startCluster, Cluster } from "../support/postgres";
import { MONITOR_ROLE, monitorRoleSql } from "../../render/monitoring/exporters";
import { ROLE_PASSWORD_ENV } from "../../render/database-sql";

const skipPg = needs("root", "runuser", "/usr/lib/postgresql/15/bin/initdb");
let cluster: Cluster | undefined;
after(() => cluster?.stop());

test("the monitor role: idempotent, logs in with its password, reads pg_stat views, owns nothing and writes nothing", { skip: skipPg }, () => {
    cluster = startCluster();
    for (const pw of ["first-password", "second-password"]) {
        const r = cluster.psql(monitorRoleSql(ROLE_PASSWORD_ENV), { env: { [ROLE_PASSWORD_ENV]: pw } });
        assert.equal(r.status, 0, r.stderr);
    }
    const login = cluster.login(MONITOR_ROLE, "second-password", "postgres", "SELECT count(*) > 0 FROM pg_stat_activity; SELECT pg_has_role(current_user, 'pg_monitor', 'member');");
    assert.equal(login.status, 0, login.stderr);
    assert.deepEqual(login.stdout.trim().split("\n"), ["t", "t"]);
    assert.notEqual(cluster.login(MONITOR_ROLE, "first-password", "postgres", "SELECT 1").status, 0, "the old password no longer works");
    const write = cluster.login(MONITOR_ROLE, "second-password", "postgres", "CREATE TABLE x (i int);");
    assert.notEqual(write.status, 0);
    const attrs = cluster.psql(`SELECT rolsuper, rolcreatedb, rolcreaterole, rolconnlimit FROM pg_roles WHERE rolname = '${MONITOR_ROLE}';`).stdout;
    assert.match(attrs, /^\s*f\s*\|\s*f\s*\|\s*f\s*\|\s*3\s*$/m);
});
