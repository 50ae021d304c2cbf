// Validation's list of role names PostgreSQL refuses, against PostgreSQL 15 itself: for every key
// word it knows (and the reserved role names), an app whose role would be that word is refused by
// validation exactly when PostgreSQL refuses to create and alter the role.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { Cluster, PG_BIN, startCluster } from "../support/postgres";
import { needs } from "../support/requirements";
import { validateConfig } from "../../config/validate";
import { ConfigError } from "../../config/problem";

const skip = needs("root") || (fs.existsSync(`${PG_BIN}/initdb`) ? false : needs(`${PG_BIN}/initdb`));
let pg: Cluster;
before(() => {
    if (!skip) pg = startCluster();
});
after(() => pg?.stop());

/** True when validation refuses the app name because of the role it becomes. */
function refusedAsRole(appName: string): boolean {
    try {
        validateConfig({ apps: [{ name: appName, frontend: { image: "a/f:1" }, backend: { image: "a/b:1" } }] });
        return false;
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.some((p) => p.field === "apps[0].name" && /becomes the role/.test(p.problem));
    }
}

/** True when PostgreSQL refuses the role as the platform's SQL writes it. */
function refusedByPostgres(role: string): boolean {
    const r = pg.psql(`BEGIN;\nCREATE ROLE ${role} LOGIN;\nALTER ROLE ${role} WITH LOGIN NOSUPERUSER PASSWORD 'x';\nGRANT CONNECT ON DATABASE postgres TO ${role};\nROLLBACK;\n`);
    return r.status !== 0;
}

test("validation refuses exactly the role names PostgreSQL 15 refuses, over every key word and reserved name", { skip }, () => {
    const words = pg.psql("\\pset tuples_only on\n\\pset format unaligned\nSELECT word FROM pg_get_keywords() ORDER BY word;").stdout.trim().split("\n");
    assert.ok(words.length > 400, `${words.length} key words`);
    const candidates = [...words, "public", "none", "pg_monitor", "pg_write_server_files", "pg_anything", "pg"];
    const disagree = candidates.filter((role) => refusedAsRole(role.replace(/_/g, "-")) !== refusedByPostgres(role));
    assert.deepEqual(disagree, []);
});
