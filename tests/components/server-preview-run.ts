// One run of the production program under mocks for tests/components/server-preview.test.ts (Pulumi's
// runtime is global: one scenario per process). Prints one JSON line: what the program threw, whether
// the server's private IP was known, and the instance's `privateIps` the program saw.
import * as pulumi from "@pulumi/pulumi";
import { record, RecordedResource, RecordOptions } from "../../tools/record";
import { prodConfig } from "../support/prod-stack";

const SERVER = "scaleway:instance/server:Server";
const scenario = process.argv[2];
const rejections: string[] = [];
process.on("unhandledRejection", (e) => rejections.push(String((e as Error)?.message ?? e)));

/** Prod with the managed database on (phase copying: the first step of the move) or off; scale-out: two servers behind the load balancer. */
function config(managed: boolean) {
    const raw = prodConfig();
    const database = raw.database as Record<string, unknown>;
    if (scenario === "scale-out-preview" && managed) return { ...raw, server: { ...(raw.server as object), count: 2 }, database: { ...database, managed: { enabled: true } } };
    return managed ? { ...raw, database: { ...database, managed: { enabled: true, phase: "copying" } } } : raw;
}

/** What stacks/program.ts does on the scaleway target, returning the deployment (its servers) instead of the stack outputs. */
async function program() {
    const { preflight } = await import("../../stacks/preflight");
    const { deployScaleway } = await import("../../stacks/targets");
    const { cfg, releases, alertSecrets } = await preflight(new pulumi.Config());
    return deployScaleway(cfg, releases, { alertSecrets });
}

async function run() {
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    let preview: RecordOptions["preview"];
    let outputs: ((type: string) => Record<string, unknown> | undefined) | undefined;
    if (scenario === "join-preview" || scenario === "steady-preview" || scenario === "scale-out-preview") {
        // The running stack: the last `up` without the managed database. Its instance state holds what
        // the provider's Read set: no private network, so an empty `privateIps`.
        const before = await record(config(scenario === "steady-preview"), () => program(), { secrets: { sshPrivateKey: "k" } });
        const prior = new Map<string, Record<string, unknown>>(before.resources.map((r: RecordedResource) => [r.key, r.type === SERVER && scenario !== "steady-preview" ? { ...r.state, privateIps: [] } : r.state]));
        await new Promise((r) => setTimeout(r, 100));
        rejections.length = 0;
        preview = { prior: (type, name) => prior.get(`${type.split("$").pop()}::${name}`) };
    } else if (scenario === "first-preview") {
        preview = {};
    } else if (scenario === "join-up-empty") {
        // `up` after the update: the provider read the server back and IPAM gave it no address.
        outputs = (type) => (type === SERVER ? { privateIps: [] } : undefined);
    } else throw new Error(`unknown scenario ${scenario}`);
    const { resources, result } = await record(config(true), () => program(), { secrets: { sshPrivateKey: "k" }, preview, outputs });
    const privateIp = result.server!.privateIp!;
    const known = await (privateIp as unknown as { isKnown: Promise<boolean> }).isKnown.catch((e: Error) => `rejected: ${e.message}`);
    const value = known === true ? await (privateIp as unknown as { promise(): Promise<string> }).promise() : undefined;
    await new Promise((r) => setTimeout(r, 300));
    const instance = resources.find((r) => r.type === SERVER && r.name === "server-instance");
    // What depends on the private IPs behind a load balancer: the backend's server list.
    const backend = resources.find((r) => r.type === "scaleway:loadbalancers/backend:Backend");
    console.log(JSON.stringify({ rejections, known, value, sawPrivateIps: instance?.state.privateIps, backendServerIps: backend?.inputs.serverIps, preview: pulumi.runtime.isDryRun(), resources: resources.length }));
}

run().catch((e) => {
    console.log(JSON.stringify({ crashed: String(e?.message ?? e) }));
    process.exitCode = 2;
});
