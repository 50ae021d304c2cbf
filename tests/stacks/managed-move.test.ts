// One server moving onto the managed database, under mocks, phase by phase: copying (the instance
// and the migrate-database command exist, apps still on the container), switched (apps on the
// instance, the container and its data kept as the way back), done (the container is gone).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** A summary of the graph for one phase (one recording per process: Pulumi's runtime is global). */
function graph(phase: string) {
    const code = `
        const { recordProgram, prodConfig, reveal } = require("./tests/support/program");
        const { decodeBundle } = require("./render/bundle");
        (async () => {
            process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
            const raw = prodConfig();
            raw.database = { ...raw.database, managed: { enabled: true, phase: ${JSON.stringify(phase)} } };
            const p = await recordProgram(raw, {});
            const names = p.resources.map((r) => r.name);
            const env = reveal(p.byName("app1-backend-release").inputs.stdin);
            const bin = decodeBundle(reveal(p.byName("scheduler-jobs").inputs.stdin)).map((f) => f.path);
            const firewall = p.byName("server-firewall").inputs.inboundRules.map((r) => r.port);
            console.log(JSON.stringify({ names, url: /^DATABASE_URL=(.*)$/m.exec(env)[1], bin, firewall, pn: p.byName("server-instance").inputs.privateNetworks }));
        })();`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const copying = graph("copying");
const switched = graph("switched");
const done = graph("done");

test("one server with the managed database: on the private network, still the web's entry (no load balancer)", () => {
    assert.deepEqual(done.pn, [{ pnId: "private-network-id" }]);
    assert.ok(done.firewall.includes(443) && done.firewall.includes(80));
    assert.ok(!done.names.some((n: string) => n.startsWith("load-balancer")));
});

test("copying: the instance and the command exist; apps still use the container", () => {
    assert.ok(copying.names.includes("managed-database") && copying.names.includes("mhylle-postgres"));
    assert.match(copying.url, /@postgres:5432\/app1_db$/);
    assert.ok(copying.bin.includes("bin/migrate-database"));
    assert.ok(copying.names.includes("database-client-migration-logins"));
});

test("switched: apps use the instance over TLS; the container and its protected volume stay as the way back", () => {
    assert.match(switched.url, /@172\.16\.0\.5:5432\/app1_db\?sslmode=verify-full/);
    assert.ok(switched.names.includes("mhylle-postgres") && switched.names.includes("postgres-data"));
    assert.ok(switched.bin.includes("bin/migrate-database"));
});

test("done: no container, no migration command and no admin login left on the server", () => {
    assert.ok(!done.names.includes("mhylle-postgres"));
    assert.ok(!done.bin.includes("bin/migrate-database"));
    assert.ok(!done.names.includes("database-client-migration-logins"));
    assert.match(done.url, /@172\.16\.0\.5:5432\//);
});

test("the container's names are the ones a single server always had: moving creates no second container", () => {
    for (const name of ["mhylle-postgres", "postgres-data", "database-baseline", "app1-database"]) assert.ok(copying.names.includes(name), name);
});
