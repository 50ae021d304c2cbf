// A new PostgreSQL digest (the weekly re-pin) plans the pooler's PAUSE before the container's
// replacement and its RESUME after the new container answers, in the same `up`: on the recorded
// program's edges, and in the order the engine double (tools/e2e, the real engine's order:
// docs/engine-notes.md section 23) runs the steps. The pooler itself is not touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { record, RecordedResource } from "../../tools/record";
import { plan, StateEntry } from "../../tools/e2e/engine";
import { inDependencyOrder } from "../../tools/e2e/process";
import { reveal } from "../support/program";
import { prodConfig } from "../support/prod-stack";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const secrets = { sshPrivateKey: "test-key" };

async function graph(postgresDigest: string): Promise<RecordedResource[]> {
    const { program } = await import("../../stacks/program");
    // The last `up` ran the pooler's base at digest 1: held there while postgres:15 moves (stacks/held-images.ts).
    const heldImages = { "images.pgbouncer": `postgres:15@${digest("1")}` };
    const outputs = (type: string, name: string) => (type === "pulumi:pulumi:StackReference" && name === "servers-before" ? { outputs: { heldImages }, secretOutputNames: [] } : undefined);
    return (await record(prodConfig(), () => program(), { secrets, registry: { "postgres:15": postgresDigest }, outputs })).resources;
}
const named = (rs: RecordedResource[], name: string) => {
    const r = rs.find((x) => x.name === name);
    assert.ok(r, `${name} is declared`);
    return r;
};
const inputsOf = (r: RecordedResource) => reveal(r.inputs) as Record<string, unknown>;
const asState = (r: RecordedResource): StateEntry => ({ type: r.type, inputs: reveal(r.inputs) as Record<string, unknown>, dependsOn: r.options.dependsOnKeys, propertyDependencies: {}, protect: r.options.protect, retainOnDelete: r.options.retainOnDelete });

/** Each resource's planned op when `after` follows `before`; and the order the double would run the changed ones in. */
async function planned(before: RecordedResource[], after: RecordedResource[]) {
    const old = new Map(before.map((r) => [r.key, asState(r)]));
    // The stack's reference to itself (held images) is read, not applied: the double has no rules for it.
    const applied = after.filter((r) => r.type !== "pulumi:pulumi:StackReference");
    const ops = new Map(applied.map((r) => [r.name, plan(r, reveal(r.inputs) as Record<string, any>, old.get(r.key))]));
    const byKey = new Map(applied.map((r) => [r.key, r]));
    const order: string[] = [];
    await inDependencyOrder([...byKey.keys()], (k) => byKey.get(k)?.options.dependsOnKeys ?? [], 1, async (k) => {
        const r = byKey.get(k)!;
        const p = ops.get(r.name)!;
        if (p.op !== "same") order.push(`${p.op} ${r.name}`);
    });
    return { ops, order };
}

test("a new postgres:15 digest: PAUSE (update), PostgreSQL replaced delete-first, then ready and RESUME, in that order", async () => {
    const { ops, order } = await planned(await graph(digest("1")), await graph(digest("2")));
    assert.equal(ops.get("database-pause")?.op, "update");
    assert.deepEqual({ op: ops.get("mhylle-postgres")?.op, dbr: ops.get("mhylle-postgres")?.deleteBeforeReplace }, { op: "replace", dbr: true });
    const at = (step: string) => {
        const i = order.indexOf(step);
        assert.ok(i >= 0, `${step} is planned: ${order.join(", ")}`);
        return i;
    };
    assert.ok(at("update database-pause") < at("replace mhylle-postgres"), order.join(", "));
    // The guard is what stops the old container (render: guardScript): the pause comes first.
    assert.ok(at("update database-pause") < at("update mhylle-postgres-guard"), order.join(", "));
    assert.ok(at("replace mhylle-postgres") < at("update mhylle-postgres-ready"), order.join(", "));
    assert.ok(at("update mhylle-postgres-ready") < at("update database-resume"), order.join(", "));
});

test("the pooler is not touched by PostgreSQL's image change: its base, the same tag, is held at the last up's digest", async () => {
    const { ops } = await planned(await graph(digest("1")), await graph(digest("2")));
    for (const name of ["mhylle-pgbouncer", "pgbouncer-image", "pgbouncer-config", "pgbouncer-auth-file", "app1-database-attach"]) assert.equal(ops.get(name)?.op, "same", name);
});

test("the edges behind that order: the container waits for the pause, the pause for the pooler, the resume for the new container's readiness", async () => {
    const rs = await graph(digest("1"));
    const key = (n: string) => named(rs, n).key;
    assert.ok(named(rs, "mhylle-postgres").options.dependsOnKeys.includes(key("database-pause")));
    assert.ok(named(rs, "database-pause").options.dependsOnKeys.includes(key("mhylle-pgbouncer-ready")));
    // Last before the stop: after everything else the container waits for (the superuser's secret, rewritten with the image).
    // The guard stops the old container: it waits for the pause, not the other way round.
    assert.ok(named(rs, "mhylle-postgres-guard").options.dependsOnKeys.includes(key("database-pause")), "the guard waits for the pause");
    for (const other of named(rs, "mhylle-postgres").options.dependsOnKeys.filter((k) => ![key("database-pause"), key("mhylle-postgres-guard")].includes(k) && !k.includes("server-ready") && !k.includes("data-folder")))
        assert.ok(named(rs, "database-pause").options.dependsOnKeys.includes(other), `database-pause runs after ${other}`);
    assert.ok(named(rs, "database-resume").options.dependsOnKeys.includes(key("mhylle-postgres-ready")));
    assert.match(String(inputsOf(named(rs, "database-pause")).create), /PAUSE/);
    assert.match(String(inputsOf(named(rs, "database-resume")).create), /RESUME/);
});

test("apps find `postgres` on their database network at the pooler, PostgreSQL leaves it", async () => {
    const attach = String(inputsOf(named(await graph(digest("1")), "app1-database-attach")).create);
    assert.match(attach, /--alias 'postgres' "\$net" "\$c"/);
    assert.match(attach, /c='mhylle-pgbouncer'/);
    assert.match(attach, /docker network disconnect 'app1-database-network' 'mhylle-postgres'/);
});

test("a changed pooler config replaces the pooler (a file bind mount would keep the old one); the same config does not", async () => {
    const rs = await graph(digest("1"));
    const spec = (r: RecordedResource) => String((inputsOf(r).envs as string[]).find((e) => e.startsWith("PLATFORM_POOLER_CONFIG=")));
    const config = String(inputsOf(named(rs, "pgbouncer-config")).stdin);
    const { createHash } = await import("node:crypto");
    assert.equal(spec(named(rs, "mhylle-pgbouncer")), `PLATFORM_POOLER_CONFIG=${createHash("sha256").update(config).digest("hex").slice(0, 16)}`);
    assert.equal(spec(named(await graph(digest("2")), "mhylle-pgbouncer")), spec(named(rs, "mhylle-pgbouncer")));
    // Against a pooler made with another config, the engine double plans a replacement.
    const pooler = named(rs, "mhylle-pgbouncer");
    const before = asState(pooler);
    const older = { ...before, inputs: { ...before.inputs, envs: ["PLATFORM_POOLER_CONFIG=0000000000000000"] } };
    assert.equal(plan(pooler, inputsOf(pooler) as Record<string, any>, older).op, "replace");
});
