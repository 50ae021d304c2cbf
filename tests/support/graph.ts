// The resource graph a stack config declares, as plain comparable data: every resource's type,
// name, parent, inputs (secrets as "[secret]") and the options the engine acts on. Paths of the
// project folder are written as <project>, so a graph recorded in another checkout compares equal.
// `npx tsx tests/support/graph.ts STACKFILE` prints one. It runs unchanged in a checkout of 100888c
// (main before multi-server), where it recorded tests/support/fixtures/graph-before-multi-server/ once.
import * as path from "node:path";
import { createHash } from "node:crypto";
import { record, redact } from "../../tools/record";
import { readStackFile } from "../../config/stack-file";

export interface GraphEntry {
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly inputs: unknown;
    readonly options: unknown;
}

const PROJECT_DIR = path.resolve(__dirname, "../..");

function portable(value: unknown): unknown {
    return JSON.parse(JSON.stringify(value ?? null).split(PROJECT_DIR).join("<project>"));
}

/**
 * The options both recorders have (this one and the one before multi-server, tools/record.ts at 100888c).
 * Which provider a resource names was not recorded before multi-server; the providers themselves are compared.
 */
const COMPARED_OPTIONS = ["protect", "retainOnDelete", "dependsOn", "dependsOnKeys", "propertyDependencies", "propertyDependencyKeys", "ignoreChanges", "replaceOnChanges", "deleteBeforeReplace", "additionalSecretOutputs", "customTimeouts"];
const comparedOptions = (options: object) => Object.fromEntries(COMPARED_OPTIONS.map((k) => [k, (options as Record<string, unknown>)[k]]));

/** Records the program under mocks with `raw` as stack config (one call per process). */
export async function graphOf(raw: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<GraphEntry[]> {
    const { program } = await import("../../stacks/program");
    // A built image's mock ID comes from its build inputs: hash them with the project folder portable.
    const outputs = (type: string, _name: string, inputs: Record<string, any>) =>
        type === "docker:index/image:Image"
            ? { imageName: inputs.imageName, repoDigest: `sha256:${createHash("sha256").update(JSON.stringify(portable(inputs.build ?? {}))).digest("hex")}` }
            : undefined;
    const { resources } = await record(raw, () => program(), { secrets, outputs });
    return resources
        .map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: portable(redact(r.inputs)), options: portable(comparedOptions(r.options)) }))
        .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
}

if (require.main === module) {
    const [file, withAccess] = process.argv.slice(2);
    const raw = readStackFile(path.resolve(file)).raw;
    if (withAccess) {
        // The production stack with the test access values (tests/support/prod-stack.ts).
        const fs = require("node:fs");
        const key = fs.readFileSync(path.join(__dirname, "fixtures/test-deploy-key.pub"), "utf8").trim();
        raw.server = { ...(raw.server as object), sshPublicKey: key, adminCidrs: ["51.159.0.10/32"] };
    }
    // A data folder relative to the project would differ per checkout (and so would every hash of it).
    if (process.env.GRAPH_DATA_DIR) raw.local = { ...(raw.local as object), dataDir: process.env.GRAPH_DATA_DIR };
    // Fields set explicitly on top (GRAPH_SET='{"server":{"count":1}}'), merged one level deep.
    for (const [key, value] of Object.entries<any>(JSON.parse(process.env.GRAPH_SET ?? "{}")))
        raw[key] = value && typeof value === "object" && !Array.isArray(value) ? { ...(raw[key] as object), ...value } : value;
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    graphOf(raw).then((g) => process.stdout.write(JSON.stringify(g, null, 1) + "\n"));
}
