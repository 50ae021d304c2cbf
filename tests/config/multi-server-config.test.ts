// Config for more than one server, the load balancer and the managed database: defaults, and every
// bad value refused with a field-named line before any resource is touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../config/validate";
import { prodConfig } from "../support/prod-stack";
import { problems, refuses } from "../support/config-problems";

/** The production stack with changes merged one level into each section. */
function prod(changes: Record<string, Record<string, unknown>> = {}, apps?: unknown[]) {
    const raw = prodConfig() as Record<string, any>;
    for (const [key, value] of Object.entries(changes)) raw[key] = { ...(raw[key] ?? {}), ...value };
    if (apps) raw.apps = apps;
    return raw;
}
const managed = (extra: Record<string, unknown> = {}) => ({ database: { sharedDb: true, sharedDbGrants: ["app1", "app2"], managed: { enabled: true, ...extra } } });

test("defaults: one server, no managed database, an LB-S with checks every 2 s that time out after 1 s", () => {
    const cfg = validateConfig(prodConfig());
    assert.equal(cfg.server.count, 1);
    assert.equal(cfg.database.managed.enabled, false);
    assert.deepEqual(cfg.loadBalancer, { type: "LB-S", backendPort: 8080, letsEncrypt: true, phase: "done", healthCheck: { delaySeconds: 2, timeoutSeconds: 1, retries: 2 } });
    assert.deepEqual(
        { ...cfg.database.managed, enabled: undefined },
        { enabled: undefined, nodeType: "DB-DEV-S", engine: "PostgreSQL-15", isHaCluster: false, backup: { frequencyHours: 24, retentionDays: 7 }, volume: { type: "sbs_5k", sizeGb: 10 }, readReplicas: 0, sslMode: "verify-full", existingDatabases: [], phase: "done" },
    );
});

test("three servers with a managed database and a read replica are accepted", () => {
    const raw = prod({ server: { count: 3 }, ...managed({ readReplicas: 1 }) });
    raw.apps[0].readReplica = true;
    assert.deepEqual(problems(raw), []);
});

test("more than one server needs the managed database: each server would keep its own data", () => {
    refuses(prod({ server: { count: 2 } }), "server.count", /database\.managed\.enabled is false: each server would run a PostgreSQL of its own/);
});

test("more than one server and the managed database need the scaleway target", () => {
    const raw = { target: "local", server: { count: 2 }, database: { managed: { enabled: true } } };
    refuses(raw, "server.count", /needs target scaleway/);
    refuses(raw, "database.managed.enabled", /needs target scaleway/);
});

test("the engine is PostgreSQL 15 only, naming the upgrade runbook", () => {
    refuses(prod(managed({ engine: "PostgreSQL-16" })), "database.managed.engine", /must be PostgreSQL-15: .*upgrade-postgres\.md/);
});

test("a node type, volume and backup schedule outside Scaleway's values are refused", () => {
    refuses(prod(managed({ nodeType: "db-dev-s" })), "database.managed.nodeType", /must be a Scaleway database node type/);
    refuses(prod(managed({ volume: { type: "ssd" } })), "database.managed.volume.type", /must be one of: "sbs_5k", "sbs_15k", "lssd"/);
    refuses(prod(managed({ backup: { frequencyHours: 0 } })), "database.managed.backup.frequencyHours", /at least 1/);
    refuses(prod(managed({ backup: { retentionDays: 400 } })), "database.managed.backup.retentionDays", /at most 365/);
});

test("a block volume size that is not a multiple of 5 GB is refused, naming the next one", () => {
    refuses(prod(managed({ volume: { type: "sbs_5k", sizeGb: 12 } })), "database.managed.volume.sizeGb", /must be a multiple of 5.*use 15/);
    assert.deepEqual(problems(prod(managed({ volume: { type: "sbs_5k", sizeGb: 15 } }))).filter((l) => l.startsWith("database.managed.volume")), []);
});

test("a health check that would outlast its own interval is refused", () => {
    refuses(prod({ loadBalancer: { healthCheck: { delaySeconds: 2, timeoutSeconds: 2 } } }), "loadBalancer.healthCheck.timeoutSeconds", /must be below loadBalancer\.healthCheck\.delaySeconds \(2\)/);
    refuses(prod({ loadBalancer: { healthCheck: { delaySeconds: 0 } } }), "loadBalancer.healthCheck.delaySeconds", /at least 1/);
});

test("an unknown load balancer type and a backend port nginx already uses are refused", () => {
    refuses(prod({ loadBalancer: { type: "LB-XXL" } }), "loadBalancer.type", /must be one of: "LB-S"/);
    refuses(prod({ loadBalancer: { backendPort: 8081 } }), "loadBalancer.backendPort", /collides with one of nginx's own ports/);
    refuses(prod({ server: { count: 11 } }), "server.count", /at most 10/);
});

test("an app asking for a read replica needs one, and a database", () => {
    const noReplica = prod(managed());
    noReplica.apps[0].readReplica = true;
    refuses(noReplica, "apps[0].readReplica", /set database\.managed\.readReplicas to 1 or more/);
    const noDb = prod(managed({ readReplicas: 1 }));
    noDb.apps[1].readReplica = true;
    noDb.apps[1].database = false;
    noDb.database.sharedDbGrants = ["app1"];
    refuses(noDb, "apps[1].readReplica", /needs database: true/);
    refuses(prod({ database: { managed: { readReplicas: 1 } } }), "database.managed.readReplicas", /needs database\.managed\.enabled: true/);
});

test("the managed database frees the memory the PostgreSQL container had", () => {
    // 4096 - 512 reserved: the container's 768 MiB would not fit beside these apps; without it they do.
    const big = (name: string) => ({ name, frontend: { image: `ghcr.io/x/${name}-f:1`, memoryMb: 128 }, backend: { image: `ghcr.io/x/${name}-b:1`, memoryMb: 700 } });
    const apps = [big("app1"), big("app2"), big("app3")];
    assert.ok(problems(prod({ database: { sharedDbGrants: [] } }, apps)).some((l) => l.startsWith("apps: memory limits need")));
    assert.deepEqual(problems(prod({ database: { sharedDbGrants: [], managed: { enabled: true } } }, apps)), []);
});

const DB_ID = (name: string, region = "fr-par") => `${region}/11111111-2222-4333-8444-555555555555/${name}`;

test("existingDatabases: the ID of a database the program declares, in the instance's region, is accepted", () => {
    assert.deepEqual(problems(prod(managed({ existingDatabases: [DB_ID("app2_db"), DB_ID("shared_db")] }))), []);
});

test("existingDatabases refuses what is not a database's ID, a database no app declares, another region, a repeat, and the container", () => {
    refuses(prod(managed({ existingDatabases: ["app2_db"] })), "database.managed.existingDatabases[0]", /must be a database's ID, `<region>\/<instance id>\/<name>`/);
    refuses(prod(managed({ existingDatabases: [DB_ID("app9_db")] })), "database.managed.existingDatabases[0]", /names app9_db, which no app with database: true has here \(app1_db, app2_db, shared_db\)/);
    refuses(prod(managed({ existingDatabases: [DB_ID("app2_db", "nl-ams")] })), "database.managed.existingDatabases[0]", /is in nl-ams, but the instance is in fr-par/);
    refuses(prod(managed({ existingDatabases: [DB_ID("app2_db"), DB_ID("app2_db")] })), "database.managed.existingDatabases[1]", /names app2_db a second time/);
    refuses(prod({ database: { managed: { existingDatabases: [DB_ID("app2_db")] } } }), "database.managed.existingDatabases[0]", /needs database\.managed\.enabled: true/);
});
