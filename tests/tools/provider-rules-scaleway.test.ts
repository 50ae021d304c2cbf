// Day-2 changes to a stack with several servers, the load balancer and the managed database, planned
// by the engine double from the Scaleway rules read in the provider's source
// (tools/e2e/provider-rules/scaleway.ts): what is updated in place, what is replaced, and that the
// database instance's protection turns a replacement into a failed `up`, not an empty database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { plan, StateEntry } from "../../tools/e2e/engine";
import { providerRules } from "../../tools/e2e/provider-rules";
import type { RecordedResource } from "../../tools/record";

const ROOT = path.resolve(__dirname, "../..");

/** The Scaleway resources of the program for a config change (one recording per process: Pulumi's runtime is global). */
function scaleway(change: string): RecordedResource[] {
    const code = `
        const { recordProgram, prodConfig, reveal } = require("./tests/support/program");
        (async () => {
            process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
            const raw = prodConfig();
            raw.server = { ...raw.server, count: 2 };
            raw.database = { ...raw.database, managed: { enabled: true, readReplicas: 1 } };
            ${change}
            const p = await recordProgram(raw, {});
            const out = p.resources.filter((r) => r.type.startsWith("scaleway:")).map((r) => ({ ...r, inputs: reveal(r.inputs) }));
            console.log(JSON.stringify(out));
        })();`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const stateOf = (r: RecordedResource): StateEntry => ({ type: r.type, inputs: r.inputs, dependsOn: [], propertyDependencies: {}, protect: r.options.protect, retainOnDelete: false });

/** Every resource of day 2 planned against day 1: name -> op (and what decided it). */
function day2(before: RecordedResource[], after: RecordedResource[]) {
    const old = new Map(before.map((r) => [r.key, r]));
    return Object.fromEntries(after.map((r) => {
        const p = plan(r, r.inputs, old.has(r.key) ? stateOf(old.get(r.key)!) : undefined);
        return [r.name, { op: p.op, changed: p.changed, dbr: p.deleteBeforeReplace }];
    }));
}
/** The names whose op is not "same". */
const touched = (planned: Record<string, { op: string }>) => Object.entries(planned).filter(([, p]) => p.op !== "same").map(([n, p]) => `${n}:${p.op}`).sort();

const day1 = scaleway("");

test("every Scaleway type of the private network, the load balancer and the database has rules read from the source", () => {
    const types = new Set(day1.map((r) => r.type));
    for (const t of ["scaleway:network/vpc:Vpc", "scaleway:network/privateNetwork:PrivateNetwork", "scaleway:loadbalancers/ip:Ip", "scaleway:loadbalancers/loadBalancer:LoadBalancer",
        "scaleway:loadbalancers/backend:Backend", "scaleway:loadbalancers/frontend:Frontend", "scaleway:loadbalancers/certificate:Certificate", "scaleway:databases/instance:Instance",
        "scaleway:databases/user:User", "scaleway:databases/database:Database", "scaleway:databases/privilege:Privilege", "scaleway:databases/readReplica:ReadReplica"]) {
        assert.ok(types.has(t), `the program declares no ${t}`);
        assert.ok(providerRules[t], `no rules for ${t}`);
    }
    // Every input the program sets has a rule (plan throws on an unknown one when it changes).
    for (const r of day1) {
        const rules = providerRules[r.type];
        if (!rules) continue;
        const known = [...rules.replaceOn, ...rules.updateInPlace, ...rules.noEffect];
        for (const k of Object.keys(r.inputs)) assert.ok(known.includes(k), `${r.type} ${r.name}: no rule for ${k}`);
    }
});

test("the same config plans nothing for Scaleway's resources", () => {
    // Recorded again by a second run of the program: anything that differs between two runs would be planned.
    const again = scaleway("");
    assert.deepEqual(again.map((r) => r.key).sort(), day1.map((r) => r.key).sort(), "the same resources");
    assert.deepEqual(touched(day2(day1, again)), []);
});

test("adding a server: a new server joins the backend's server list in place; nothing else on the load balancer or the database changes", () => {
    const planned = day2(day1, scaleway("raw.server = { ...raw.server, count: 3 };"));
    assert.deepEqual(planned["load-balancer-servers"], { op: "update", changed: ["serverIps"], dbr: true });
    const lbOrDb = touched(planned).filter((n) => /^(load-balancer|managed-database|private-network)/.test(n));
    assert.deepEqual(lbOrDb, ["load-balancer-servers:update"]);
    assert.equal(planned["server-s3-instance"].op, "create");
});

test("a bigger database node type is an in-place upgrade of the instance, not a replacement", () => {
    const planned = day2(day1, scaleway(`raw.database.managed.nodeType = "DB-GP-XS";`));
    assert.deepEqual(planned["managed-database"], { op: "update", changed: ["nodeType"], dbr: true });
    assert.deepEqual(touched(planned), ["managed-database:update"]);
});

test("turning on high availability is an in-place upgrade of the instance, not a replacement", () => {
    const planned = day2(day1, scaleway("raw.database.managed.isHaCluster = true;"));
    assert.deepEqual(planned["managed-database"], { op: "update", changed: ["isHaCluster"], dbr: true });
    assert.deepEqual(touched(planned), ["managed-database:update"]);
});

test("another block volume type or a bigger volume upgrades the instance in place", () => {
    const planned = day2(day1, scaleway(`raw.database.managed.volume = { type: "sbs_15k", sizeGb: 20 };`));
    assert.deepEqual(planned["managed-database"], { op: "update", changed: ["volumeSizeInGb", "volumeType"], dbr: true });
});

test("a new alias replaces the load balancer's certificate, creating the new one before deleting the old; the address stays", () => {
    const planned = day2(day1, scaleway(`raw.aliases = [...(raw.aliases ?? []), "new.mhylle.com"];`));
    assert.deepEqual(planned["load-balancer-certificate"], { op: "replace", changed: ["letsencrypt"], dbr: false });
    assert.equal(planned["load-balancer-ip"].op, "same");
    assert.equal(planned["load-balancer-https"].op, "same");
});

test("removing an app keeps its database on the managed instance (retained on delete, as on one server)", () => {
    const dbs = day1.filter((r) => r.type === "scaleway:databases/database:Database");
    assert.ok(dbs.length >= 2, String(dbs.length));
    for (const db of dbs) assert.equal(db.options.retainOnDelete, true, db.name);
});

test("the database instance is protected: a change that would replace it fails the plan instead of emptying it", () => {
    const instance = day1.find((r) => r.type === "scaleway:databases/instance:Instance")!;
    assert.equal(instance.options.protect, true);
    assert.throws(() => plan(instance, { ...instance.inputs, userName: "someone_else" }, stateOf(instance)), /unable to replace resource "managed-database" as it is currently marked for protection \(changed: userName\)/);
});

test("the load balancer's public address is protected: a change that would replace it fails the plan", () => {
    const ip = day1.find((r) => r.type === "scaleway:loadbalancers/ip:Ip")!;
    assert.throws(() => plan(ip, { ...ip.inputs, zone: "nl-ams-1" }, stateOf(ip)), /unable to replace resource "load-balancer-ip" as it is currently marked for protection/);
});

/** The state `pulumi up` leaves: what the program declared, less what is retained on delete once its app is gone (out of state, still on the instance). */
const EXISTING_APP2_DB = "fr-par/11111111-2222-4333-8444-555555555555/app2_db";
const withoutApp2 = `raw.apps = raw.apps.filter((a) => a.name !== "app2"); raw.database = { ...raw.database, sharedDbGrants: ["app1"] };`;

test("removing an app and adding it back: its kept database, listed in existingDatabases, is imported, never created again", () => {
    const removed = scaleway(withoutApp2);
    assert.equal(removed.find((r) => r.name === "managed-database-app2-db"), undefined, "app2's database left the program (retained on the instance)");
    const back = scaleway(`raw.database.managed.existingDatabases = [${JSON.stringify(EXISTING_APP2_DB)}];`);
    const planned = day2(removed, back);
    // A create would be CreateDatabase on a name that exists: rdb/database.go retries the 409 for 30 minutes, then fails.
    assert.equal(planned["managed-database-app2-db"].op, "import");
    assert.equal(back.find((r) => r.name === "managed-database-app2-db")!.options.importId, EXISTING_APP2_DB);
    assert.equal(planned["managed-database-app1-db"].op, "same");
    assert.equal(planned["managed-database-app2-user"].op, "create", "the user was deleted with the app and is made again");
});

test("an imported database stays listed without effect: the next up plans nothing for it", () => {
    const back = scaleway(`raw.database.managed.existingDatabases = [${JSON.stringify(EXISTING_APP2_DB)}];`);
    assert.equal(day2(back, back)["managed-database-app2-db"].op, "same");
});

test("the rebuild that keeps the protected instance (destroy --exclude-protected, then up) imports every listed database", () => {
    const listed = ["app1_db", "app2_db", "shared_db"].map((n) => `fr-par/11111111-2222-4333-8444-555555555555/${n}`);
    const rebuilt = scaleway(`raw.database.managed.existingDatabases = ${JSON.stringify(listed)};`);
    // What destroy --exclude-protected leaves: the protected resources and what they depend on.
    const kept = day1.filter((r) => ["managed-database", "load-balancer-ip", "private-network", "private-network-vpc"].includes(r.name));
    const planned = day2(kept, rebuilt);
    for (const n of ["managed-database-app1-db", "managed-database-app2-db", "managed-database-shared-db"]) assert.equal(planned[n].op, "import", n);
    assert.equal(planned["managed-database"].op, "same");
});
