// Lowering server.count (docs/runbooks/remove-a-server.md): refused before any resource is declared
// unless the stack's last `up` ran the retire step; with the step, the engine double's plan of the
// lower count deletes exactly that server's resources, none protected by then. The previous `up`'s
// `servers` output is what a reference to the stack itself reads (stacks/server-count.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { deletions, plan, State } from "../../tools/e2e/engine";
import type { RecordedResource } from "../../tools/record";
import { validateConfig } from "../../config/validate";
import { ConfigError } from "../../config/problem";
import { prodConfig } from "../support/program";

const ROOT = path.resolve(__dirname, "../..");
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

interface Run {
    readonly resources: RecordedResource[];
    readonly servers?: { count: number; retired: number[] };
    readonly error?: string;
}

/**
 * The program on prod's config with the managed database, `count` servers and `retire`, the stack's
 * last `up` having exported `previous` as `servers` (one recording per process: Pulumi's runtime is global).
 */
function run(count: number, retire: number[], previous: unknown): Run {
    const code = `
        const pulumi = require("@pulumi/pulumi");
        const { record, reveal } = require("./tools/record");
        const { prodConfig } = require("./tests/support/program");
        (async () => {
            process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
            const raw = prodConfig();
            raw.server = { ...raw.server, count: ${count}, retire: ${JSON.stringify(retire)} };
            raw.database = { ...raw.database, managed: { enabled: true } };
            const previous = ${JSON.stringify(previous ?? null)};
            const { program } = require("./stacks/program");
            let error;
            const { resources, result } = await record(raw, () => program().catch((e) => { error = e.message; }), {
                outputs: (type) => (type === "${STACK_REFERENCE}" && previous ? { outputs: { servers: previous }, secretOutputNames: [] } : undefined),
            });
            const out = resources.map((r) => ({ ...r, inputs: reveal(r.inputs) }));
            // An output once the load balancer serves (stacks/program.ts).
            const servers = result && result.servers ? await new Promise((resolve) => pulumi.output(result.servers).apply(resolve)) : undefined;
            console.log(JSON.stringify({ resources: out, servers, error }));
        })();`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** The state an `up` of these resources leaves: what the engine double plans and deletes against. */
const stateOf = (resources: RecordedResource[]): State =>
    Object.fromEntries(
        resources.filter((r) => r.custom && r.type !== STACK_REFERENCE).map((r) => [r.key, { type: r.type, inputs: r.inputs, dependsOn: [], propertyDependencies: {}, protect: r.options.protect, retainOnDelete: r.options.retainOnDelete }]),
    );

/** Names of the resources whose planned op against `state` is not "same". */
function touched(state: State, resources: RecordedResource[]): string[] {
    return resources
        .filter((r) => r.custom && r.type !== STACK_REFERENCE)
        .map((r) => [r.name, plan(r, r.inputs, state[r.key]).op] as const)
        .filter(([, op]) => op !== "same")
        .map(([n, op]) => `${n}:${op}`)
        .sort();
}

/** Server 3's resources: the Server component server-s3 and everything named for its host (-s3). */
const ofServer3 = (key: string) => /::server-s3(-|$)|-s3(-|$)/.test(key);

const three = run(3, [], { count: 3, retired: [] });
const lowered = run(2, [], { count: 3, retired: [] });
const sameCount = run(3, [], { count: 3, retired: [] });
const step = run(3, [3], { count: 3, retired: [] });
const after = run(2, [3], { count: 3, retired: [3] });

test("lowering server.count without the retire step is refused before any resource is declared, in one line naming the field, the value and the runbook", () => {
    assert.ok(lowered.error, "the program was not refused");
    const line = lowered.error!.split("\n").find((l) => l.startsWith("server.count:"));
    assert.ok(line, lowered.error);
    assert.match(line!, /^server\.count: is 2 but the stack has 3 servers: lowering it would delete server\(s\) 3, .*server\.retire: \[3\].*docs\/runbooks\/remove-a-server\.md.*\(got 2\)$/);
    // Only the reference that read the previous count: no resource of the platform.
    assert.deepEqual(lowered.resources.filter((r) => !r.type.startsWith("pulumi:providers:")).map((r) => r.type), [STACK_REFERENCE]);
});

test("control: the stack's own count is accepted and builds all three servers", () => {
    assert.equal(sameCount.error, undefined);
    assert.ok(sameCount.resources.some((r) => r.name === "server-s3-instance"));
    assert.deepEqual(sameCount.servers, { count: 3, retired: [] });
});

test("without the retire step, server 3's IP and instance are protected: the engine would fail on them after deleting its platform", () => {
    const planned = deletions(stateOf(three.resources), new Set(run(2, [], undefined).resources.map((r) => r.key)));
    assert.deepEqual(planned.refused.sort(), ['resource "server-s3-instance" cannot be deleted because it is protected', 'resource "server-s3-ip" cannot be deleted because it is protected']);
    assert.ok(planned.deleted.length > 10, "the platform on server 3 would go first");
});

test("the retire step lifts server 3's protection, takes it out of the load balancer's pool, and changes nothing else", () => {
    assert.equal(step.error, undefined);
    const byName = (n: string) => step.resources.find((r) => r.name === n)!;
    assert.equal(byName("server-s3-ip").options.protect, false);
    assert.equal(byName("server-s3-instance").options.protect, false);
    for (const n of ["server-ip", "server-instance", "server-s2-ip", "server-s2-instance"]) assert.equal(byName(n).options.protect, true, n);
    const pool = byName("load-balancer-servers").inputs.serverIps as string[];
    const privateIp = (n: string) => ((byName(n).state.privateIps as { address: string }[])[0].address);
    assert.deepEqual(pool, [privateIp("server-instance"), privateIp("server-s2-instance")]);
    // Protection is state only (no input changes): the one provider call is the pool's update.
    assert.deepEqual(touched(stateOf(three.resources), step.resources), ["load-balancer-servers:update"]);
    assert.deepEqual(step.servers, { count: 3, retired: [3] });
});

test("after the retire step, the lower count deletes exactly server 3's resources, none of them protected, and replaces nothing of the others", () => {
    assert.equal(after.error, undefined);
    const state = stateOf(step.resources);
    const planned = deletions(state, new Set(after.resources.map((r) => r.key)));
    assert.deepEqual(planned.refused, []);
    const server3 = Object.keys(state).filter(ofServer3).sort();
    assert.ok(server3.includes("scaleway:instance/server:Server::server-s3-instance") && server3.includes("scaleway:instance/ip:Ip::server-s3-ip"), server3.join(", "));
    assert.deepEqual(planned.deleted.sort(), server3);
    // What stays is unchanged but for the rollout coordinators, which now reach two servers.
    const others = touched(state, after.resources);
    assert.deepEqual(others.filter((t) => !/-rollout:update$/.test(t)), []);
    assert.deepEqual(after.servers, { count: 2, retired: [] });
});

/** The problems validation finds in prod's config with these server fields. */
function problems(server: Record<string, unknown>, target = "scaleway"): string[] {
    const raw = prodConfig();
    try {
        validateConfig({ ...raw, target, server: { ...(raw.server as object), ...server }, database: { ...(raw.database as object), managed: { enabled: true } } });
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems.map((p) => `${p.field}: ${p.problem}`);
    }
}

test("server.retire names the highest servers and leaves two at least", () => {
    assert.deepEqual(problems({ count: 3, retire: [3] }), [], "control: the last server may retire");
    assert.deepEqual(problems({ count: 2, retire: [3] }), [], "control: a server already removed stays listed harmlessly");
    assert.match(problems({ count: 3, retire: [2] }).join("\n"), /^server\.retire: must name the last servers of server\.count 3 .*use \[3\]/m);
    assert.match(problems({ count: 3, retire: [2, 3] }).join("\n"), /^server\.retire: would leave 1 server\(s\)/m);
    assert.deepEqual(problems({ count: 2, retire: [3, 4] }), [], "control: numbers above the count are servers already gone");
});

test("back to one server is refused too, naming what the runbook does not cover", async () => {
    const { countChangeProblems } = await import("../../stacks/server-count");
    const raw = prodConfig();
    const cfg = validateConfig({ ...raw, server: { ...(raw.server as object), count: 1 }, database: { ...(raw.database as object), managed: { enabled: true } } });
    const [p] = countChangeProblems(cfg, { count: 2, retired: [] });
    assert.equal(p.field, "server.count");
    assert.match(p.problem, /^is 1 but the stack has 2 servers: back to one server the load balancer .*docs\/runbooks\/remove-a-server\.md does not cover/);
    assert.deepEqual(countChangeProblems(cfg, { count: 1, retired: [] }), [], "control: the stack's own count");
});
