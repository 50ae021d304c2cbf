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

/**
 * The roles PostgreSQL refuses as the platform's SQL writes them (unquoted, as in
 * render/database-sql.ts): each is tried in its own subtransaction of one session, created, given a
 * login and a grant, and always rolled back.
 */
function refusedByPostgres(roles: readonly string[]): Set<string> {
    const list = roles.map((r) => `'${r.replace(/'/g, "''")}'`).join(",");
    const r = pg.psql(`DO $$ DECLARE role text; BEGIN
  FOREACH role IN ARRAY ARRAY[${list}] LOOP
    BEGIN
      EXECUTE 'CREATE ROLE ' || role || ' LOGIN';
      EXECUTE 'ALTER ROLE ' || role || ' WITH LOGIN NOSUPERUSER PASSWORD ''x''';
      EXECUTE 'GRANT CONNECT ON DATABASE postgres TO ' || role;
      RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'accepted';
    EXCEPTION
      WHEN raise_exception THEN NULL;
      WHEN others THEN RAISE NOTICE 'refused:%', role;
    END;
  END LOOP;
END $$;`);
    assert.equal(r.status, 0, r.stderr);
    return new Set([...`${r.stdout}\n${r.stderr}`.matchAll(/refused:(\S+)/g)].map((m) => m[1]));
}

test("validation refuses exactly the role names PostgreSQL 15 refuses, over every key word and reserved name", { skip }, () => {
    const words = pg.psql("\\pset tuples_only on\n\\pset format unaligned\nSELECT word FROM pg_get_keywords() ORDER BY word;").stdout.trim().split("\n");
    assert.ok(words.length > 400, `${words.length} key words`);
    const candidates = [...words, "public", "none", "pg_monitor", "pg_write_server_files", "pg_anything", "pg"];
    const refused = refusedByPostgres(candidates);
    assert.ok(refused.has("select") && !refused.has("pg"), "PostgreSQL's own answer was read");
    const disagree = candidates.filter((role) => refusedAsRole(role.replace(/_/g, "-")) !== refused.has(role));
    assert.deepEqual(disagree, []);
});
