// Run the program under Pulumi's mocks (no CLI, no cloud) and record every resource it registers.
// Render, the unit tests and the end-to-end applier all see the program through this.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { isRpcSecret, unknownValue, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";

import { PROJECT } from "../config/stack-file";
import type { SshAgentView } from "../stacks/preflight";
import type { LookupCredential } from "../stacks/registry-digest";
import { providerRules } from "./e2e/provider-rules";
import { ComputeOutputs, computedOutputs, fakeDigest } from "./mock-outputs";
export { PROJECT };
export const SECRET_PLACEHOLDER = "[secret]";

export interface RecordedResource {
    /** `type::name`, unique in the stack. */
    readonly key: string;
    readonly type: string;
    readonly name: string;
    /** Inputs with secret values still wrapped (see redact/reveal). */
    readonly inputs: Record<string, unknown>;
    readonly parent?: string;
    readonly custom: boolean;
    /** Mock outputs the program saw. */
    readonly state: Record<string, unknown>;
    readonly options: RecordedOptions;
}

/** Resource options the engine would see; names instead of URNs. */
export interface RecordedOptions {
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** Names of the resources this one waits for. */
    readonly dependsOn: string[];
    /** The same as keys (`type::name`), unique in the stack: what the engine double orders by. */
    readonly dependsOnKeys: string[];
    /** Per input property, the names of the resources its value came from. */
    readonly propertyDependencies: Record<string, string[]>;
    /** The same as keys. */
    readonly propertyDependencyKeys: Record<string, string[]>;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
    /** The resource option; the provider may also declare it (tools/e2e/provider-rules/). */
    readonly deleteBeforeReplace: boolean;
    /** The program set deleteBeforeReplace (true or false): it then overrides the provider's choice. */
    readonly deleteBeforeReplaceDefined?: boolean;
    readonly additionalSecretOutputs: string[];
    /** Per operation, e.g. { create: "20m" }; empty operations left out. */
    readonly customTimeouts: { create?: string; update?: string; delete?: string };
    /** The explicit provider's key (type::name), when the resource names one. */
    readonly provider?: string;
    /** The `import` option: the ID of an existing resource the engine adopts instead of creating one. */
    readonly importId?: string;
}

const nameOf = (urn: string) => urn.split("::").pop()!;
/** `type::name`: unique in a stack, as a URN is (a name alone is not: a command and a network may share one). */
const keyOf = (urn: string) => {
    const [, , type, name] = urn.split("::");
    return `${type.split("$").pop()}::${name}`;
};

function timeoutsOf(t: any): RecordedOptions["customTimeouts"] {
    if (!t) return {};
    const all = { create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v));
}

export { MOCK_CA, MOCK_PASSWORD_PREFIX, RANDOM_PASSWORD, mockPassword } from "./mock-outputs";
export type { ComputeOutputs } from "./mock-outputs";

/**
 * The ID the engine would see. A container's ID changes exactly when the container is replaced
 * (a new one is created), as a real one does: it is derived from the inputs whose change replaces
 * it (not those ignoreChanges names: their change replaces nothing). Everything else keeps one ID
 * per name.
 */
export function mockId(type: string, name: string, inputs: Record<string, unknown>, opts: RecordedOptions): string {
    const rules = providerRules[type];
    if (type !== "docker:index/container:Container" || !rules) return `${name}-id`;
    const replacing = [...rules.replaceOn, ...opts.replaceOnChanges].filter((k) => !opts.ignoreChanges.includes(k)).sort();
    const picked = Object.fromEntries(replacing.filter((k) => k in inputs).map((k) => [k, reveal(inputs[k])]));
    return `${name}-${createHash("sha256").update(JSON.stringify(picked)).digest("hex").slice(0, 12)}`;
}

/** Replace secret values by a placeholder, recursively. */
export function redact(value: unknown): unknown {
    if (isRpcSecret(value)) return SECRET_PLACEHOLDER;
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    return value;
}

/** Unwrap secret values (for the local applier, which must use real values). */
export function reveal(value: unknown): unknown {
    if (isRpcSecret(value)) return reveal(unwrapRpcSecret(value));
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

export function isSecret(value: unknown): boolean {
    return isRpcSecret(value);
}

/** Pulumi config entries for the runtime: `project:key` → string, objects as JSON. */
export function toPulumiConfig(raw: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The options a registration carried, as the engine would see them (names and keys for URNs). */
function optionsOf(req: any): RecordedOptions {
    const propertyDependencies: Record<string, string[]> = {};
    const propertyDependencyKeys: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, prop: string) => {
        propertyDependencies[prop] = deps.getUrnsList().map(nameOf);
        propertyDependencyKeys[prop] = deps.getUrnsList().map(keyOf);
    });
    return {
        protect: !!req.getProtect(),
        retainOnDelete: !!req.getRetainondelete(),
        dependsOn: req.getDependenciesList().map(nameOf),
        dependsOnKeys: req.getDependenciesList().map(keyOf),
        propertyDependencies,
        propertyDependencyKeys,
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        deleteBeforeReplace: !!req.getDeletebeforereplace(),
        ...(req.getDeletebeforereplacedefined() ? { deleteBeforeReplaceDefined: true } : {}),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        customTimeouts: timeoutsOf(req.getCustomtimeouts()),
        // The provider a resource was registered with: the engine double follows it to its engine.
        ...(req.getProvider() ? { provider: keyOf(String(req.getProvider()).split("::").slice(0, 4).join("::")) } : {}),
        ...(req.getImportid() ? { importId: String(req.getImportid()) } : {}),
    };
}

/** A read's options: it is in state but managed by nobody, so none of a managed resource's applies. */
const READ_OPTIONS: RecordedOptions = {
    protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependsOnKeys: [], propertyDependencies: {}, propertyDependencyKeys: {},
    ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [], customTimeouts: {},
};

/**
 * Resource options and parents of every registration. Pulumi's public mocks API hands `newResource`
 * only type, name and inputs, not dependsOn, protect, ignoreChanges, replaceOnChanges or the
 * property dependencies the engine double and the tests need: so the mock monitor's registration is
 * wrapped to read them from the request.
 */
function captureRegistrations(parents: Map<string, string>, recorded: Map<string, RecordedOptions>, reads: Set<string>) {
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    // A read (a stack reference): its parent and dependencies, no other option.
    const originalRead = MockMonitor.prototype.readResource;
    MockMonitor.prototype.readResource = function (req: any, cb: any) {
        const key = `${req.getType()}::${req.getName()}`;
        if (req.getParent()) parents.set(key, nameOf(req.getParent()));
        const deps = req.getDependenciesList();
        recorded.set(key, { ...READ_OPTIONS, dependsOn: deps.map(nameOf), dependsOnKeys: deps.map(keyOf) });
        reads.add(key);
        return originalRead.call(this, req, cb);
    };
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, cb: any) {
        const key = `${req.getType()}::${req.getName()}`;
        if (req.getParent()) parents.set(key, nameOf(req.getParent()));
        recorded.set(key, optionsOf(req));
        return original.call(this, req, cb);
    };
}

export interface RecordOptions {
    secrets?: Record<string, string>;
    stack?: string;
    /** What the registry answers per image (a digest, or an Error); others get a digest derived from the name. */
    registry?: Record<string, string | Error>;
    /** Called with each image preflight asks the registry for, and the login it would use. */
    onLookup?: (image: string, credential: LookupCredential | undefined) => void;
    /** Outputs to return instead of the mock's own (e.g. real image IDs, or a state that differs from config). */
    outputs?: ComputeOutputs;
    /** The ssh-agent preflight asks on the scaleway target; none by default: the check is skipped (no deploy key here). */
    sshAgent?: SshAgentView;
    /** RUNNER_ENVIRONMENT as GitHub sets it (stacks/host-ssh-rule.ts); none by default, whatever this machine's is. */
    runnerEnvironment?: string;
    /**
     * Run as `pulumi preview` does (the runtime's dry run; docs/engine-notes.md "Preview: computed
     * outputs"). A resource `prior` has no state for is created: its computed outputs (the ones the mock
     * computes) and its ID are unknown. A resource with prior state is updated in place or unchanged: its
     * computed outputs keep the prior state's values (a provider sets them only when it reads the
     * resource back after the update), its inputs are the new ones. Without `prior` every resource is created.
     * `prior` also gets the registration, so it can answer as the engine would for a replacement (created).
     */
    preview?: { prior?: (type: string, name: string, registered: Registered) => Record<string, unknown> | undefined };
}

/** A registration as the engine receives it: everything recorded but the outputs (the engine double plans a preview from it). */
export type Registered = Omit<RecordedResource, "state">;

/** What a registration returns: the mock's outputs as `up` sees them, or as preview does (RecordOptions.preview). */
function stateOf(registered: Registered, computed: Record<string, unknown>, preview: RecordOptions["preview"]): { state: Record<string, unknown>; created: boolean } {
    const inputs = registered.inputs;
    if (!preview) return { state: { ...inputs, ...computed }, created: false };
    const prior = preview.prior?.(registered.type, registered.name, registered);
    if (!prior) return { state: { ...inputs, ...Object.fromEntries(Object.keys(computed).map((k) => [k, unknownValue])) }, created: true };
    return { state: { ...inputs, ...Object.fromEntries(Object.keys(computed).map((k) => [k, prior[k]])) }, created: false };
}

/**
 * Set up mocks and config, run `build`, and wait until registrations settle.
 * Call once per process: Pulumi's runtime state is global.
 */
export async function record<T>(raw: Record<string, unknown>, build: () => T, options: RecordOptions = {}): Promise<{ resources: RecordedResource[]; result: Awaited<T> }> {
    const resources: RecordedResource[] = [];
    const parents = new Map<string, string>();
    const recorded = new Map<string, RecordedOptions>();
    const reads = new Set<string>();
    captureRegistrations(parents, recorded, reads);
    // Loaded here, not at the top: the program's modules are imported only once the test asks.
    const preflight = require("../stacks/preflight") as typeof import("../stacks/preflight");
    preflight.useSshAgent(options.sshAgent);
    (require("../stacks/host-ssh-rule") as typeof import("../stacks/host-ssh-rule")).useRunnerEnvironment(options.runnerEnvironment);
    // The registry's answer per image, from options: no network, as the mocks have none.
    preflight.useDigestLookup(async (image, credential) => {
        options.onLookup?.(image, credential);
        const answer = options.registry?.[image] ?? fakeDigest(image);
        if (answer instanceof Error) throw answer;
        return answer;
    });
    pulumi.runtime.setAllConfig(
        { ...toPulumiConfig(raw), ...Object.fromEntries(Object.entries(options.secrets ?? {}).map(([k, v]) => [`${PROJECT}:${k}`, v])) },
        Object.keys(options.secrets ?? {}).map((k) => `${PROJECT}:${k}`),
    );
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const key = `${args.type}::${args.name}`;
                const computed = options.outputs?.(args.type, args.name, args.inputs) ?? computedOutputs(args.type, args.name, args.inputs);
                const registered: Registered = { key, type: args.type, name: args.name, inputs: args.inputs, parent: parents.get(key), custom: args.custom ?? true, options: recorded.get(key)! };
                // A read happens in preview too (the engine's ReadStep): its outputs are known.
                const { state, created } = stateOf(registered, computed, reads.has(key) ? undefined : options.preview);
                const custom = registered.custom;
                resources.push({ key, type: args.type, name: args.name, inputs: args.inputs, parent: registered.parent, custom, state, options: registered.options });
                // A resource created in preview has no ID yet: the runtime makes an empty one unknown.
                return { id: created && custom ? "" : mockId(args.type, args.name, args.inputs, recorded.get(key)!), state };
            },
            call(args) {
                return args.inputs;
            },
        },
        PROJECT,
        options.stack ?? "render",
        !!options.preview,
        // The real engine always names one (the diy backend says "organization"); a stack reference needs it.
        "organization",
    );
    const result = await build();
    // Registrations are asynchronous: wait until Pulumi's RPC queue has drained.
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    return { resources, result };
}
