// The engine double: applies what the program declares (recorded under mocks) to the local Docker
// engine as `pulumi up` and `pulumi destroy` would, since the Pulumi engine cannot run here. What
// it does with each resource is planned by engine.ts from the providers' own property rules:
// delete-before-replace for containers, networks and volumes; replace, update or no effect per
// property; a dependsOn that never re-runs an unchanged resource; independent resources at once;
// deletes at the end and only after a run without failure; protect and retainOnDelete. Any input it
// does not know fails loudly, so it can never silently differ from the program. The real things are
// made by local-providers.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { mockId, RecordedResource, Registered, reveal } from "../record";
import { dependentReplacements, layers, plan, Planned, priorOutputs, PROVIDER_TYPES, State, StateEntry } from "./engine";
import { CommandRun, LocalProviders } from "./local-providers";
import { inDependencyOrder } from "./process";

export { run } from "./process";
export type { CommandRun } from "./local-providers";

export interface Step {
    /** The resource's name (its key in state is type::name). */
    readonly name: string;
    readonly type: string;
    readonly op: Planned["op"] | "delete";
    readonly changed?: string[];
}

/** Result of one apply: like `pulumi up`, it stops at the first failure. */
export interface ApplyResult {
    readonly ok: boolean;
    readonly error?: string;
    /** Every step that did something (not "same"), in the order they finished. */
    readonly steps: Step[];
    readonly commands: CommandRun[];
}

/** The engine's default parallelism: 4 × GOMAXPROCS (pkg/cmd/pulumi/operations/up.go). */
export const DEFAULT_PARALLEL = 8;

/** The name part of a state key (type::name, or type::name#pending-delete-N). */
const nameOf = (key: string) => key.slice(key.lastIndexOf("::") + 2).replace(/#pending-delete-\d+$/, "");

/**
 * Where the old resource of a create-before-delete replacement waits for its delete: in state
 * beside the new one, marked, as the engine keeps it (`Delete: true`); the end of this run or, after
 * a failure, of the next successful one deletes it (docs/engine-notes.md section 25).
 */
function pendingDeleteKey(state: State, key: string): string {
    let n = 1;
    while (state[`${key}#pending-delete-${n}`]) n++;
    return `${key}#pending-delete-${n}`;
}

/** What state keeps of a resource after its step: inputs, options, and the outputs the program saw (a preview's prior values). */
export function stateEntry(r: RecordedResource, inputs: Record<string, unknown>, initError = false, dockerHost?: string, dockerId?: string): StateEntry {
    const o = r.options;
    const outputs = reveal(r.state) as Record<string, unknown>;
    return { type: r.type, inputs, dependsOn: o.dependsOnKeys, propertyDependencies: o.propertyDependencyKeys, protect: o.protect, retainOnDelete: o.retainOnDelete, ...(initError ? { initError } : {}), ...(dockerHost ? { dockerHost } : {}), ...(dockerId ? { dockerId } : {}), outputs };
}

/**
 * `networkMode: container:<ID>` names another container by the ID the program saw, a mock ID here:
 * Docker gets that container's name instead (it keeps `container:<real ID>` either way). State keeps
 * the program's inputs, so the plan compares like with like.
 */
export function withRealNetworkMode(r: RecordedResource, inputs: Record<string, any>, all: readonly RecordedResource[]): Record<string, any> {
    const mode = inputs.networkMode;
    if (r.type !== "docker:index/container:Container" || typeof mode !== "string" || !mode.startsWith("container:")) return inputs;
    const id = mode.slice("container:".length);
    const target = all.find((x) => x.type === r.type && mockId(x.type, x.name, x.inputs, x.options) === id);
    if (!target) throw new Error(`${r.name}: networkMode ${mode} names no container of this program`);
    return { ...inputs, networkMode: `container:${(reveal(target.inputs) as Record<string, unknown>).name}` };
}

export class Applier {
    private state: State;

    constructor(
        private readonly stateFile: string,
        private readonly log: (line: string) => void = () => undefined,
        private readonly parallel = DEFAULT_PARALLEL,
    ) {
        this.state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : {};
    }

    /** Names in state (what the last runs left). */
    get stateNames(): string[] {
        return Object.keys(this.state).map(nameOf);
    }

    private save() {
        fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
        fs.writeFileSync(this.stateFile, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    }

    /**
     * For `record`'s preview option: the outputs this state holds for a resource, as the engine hands
     * them to the program in a preview; undefined when the preview creates it (engine.ts priorOutputs).
     */
    readonly prior = (_type: string, _name: string, r: Registered): Record<string, unknown> | undefined =>
        priorOutputs(this.state, r, reveal(r.inputs) as Record<string, unknown>);

    /** The engine of the resource's explicit provider, when it names another than this process's default. */
    private dockerHostOf(r: RecordedResource, all: readonly RecordedResource[]): string | undefined {
        const provider = r.options.provider && all.find((x) => x.key === r.options.provider);
        const host = provider ? String((reveal(provider.inputs) as Record<string, unknown>).host ?? "") : "";
        return host && host !== (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock") ? host : undefined;
    }

    /** What `pulumi preview` would show: the op per resource, nothing applied. */
    preview(resources: RecordedResource[]): Step[] {
        const steps: Step[] = resources.map((r) => {
            const p = plan(r, reveal(r.inputs) as Record<string, unknown>, this.state[r.key]);
            return { name: r.name, type: r.type, op: p.op, changed: p.changed };
        });
        const wanted = new Set(resources.map((r) => r.key));
        for (const [key, e] of Object.entries(this.state)) if (!wanted.has(key)) steps.push({ name: nameOf(key), type: e.type, op: "delete" });
        return steps.filter((s) => s.op !== "same");
    }

    /** One resource's step of `pulumi up`; throws when it fails. */
    private async step(r: RecordedResource, all: RecordedResource[], providers: LocalProviders, steps: Step[]) {
        const inputs = reveal(r.inputs) as Record<string, any>;
        const previous = this.state[r.key];
        const dockerHost = this.dockerHostOf(r, all);
        if (r.type === "pulumi:providers:docker" && inputs.host !== undefined && !/^unix:\/\//.test(String(inputs.host))) throw new Error(`provider host ${String(inputs.host)} is not the local engine`);
        if (PROVIDER_TYPES.includes(r.type)) return;
        const p = plan(r, inputs, previous);
        if (p.op === "same") return;
        if (p.op === "import") throw new Error(`${r.name}: the local engine double cannot import (the import option is for Scaleway's databases)`);
        steps.push({ name: r.name, type: r.type, op: p.op, changed: p.changed });
        this.log(`${r.name}: ${p.op}${p.changed.length ? ` (${p.changed.join(", ")})` : ""}`);
        if (p.op === "replace" && p.deleteBeforeReplace) {
            // Dependents that must be replaced go first, then the old resource, then the new one.
            for (const d of [...dependentReplacements(r.key, all).filter((k) => this.state[k]), r.key]) {
                await providers.remove(d, this.state[d]);
                delete this.state[d];
            }
            this.save();
        }
        if (p.op === "update" && p.noEffect) {
            // Saved to state, never applied to the real thing (the provider has no update for it).
            this.state[r.key] = stateEntry(r, inputs, false, dockerHost, previous?.dockerId);
            return this.save();
        }
        const outcome = await providers.converge(r, withRealNetworkMode(r, inputs, all), p.op === "update" ? "update" : "create", dockerHost);
        if (!outcome.ok) {
            // A partial create stays in state as failed to initialise; a failed command leaves
            // nothing new (a failed update keeps the old inputs).
            if (outcome.initError) this.state[r.key] = stateEntry(r, inputs, true, dockerHost, outcome.dockerId);
            this.save();
            throw new Error(`${r.name}: ${outcome.error}`);
        }
        if (p.op === "replace" && !p.deleteBeforeReplace && previous) this.state[pendingDeleteKey(this.state, r.key)] = { ...previous, pendingDelete: true };
        // An update keeps the container (and its ID); a create brings a new one.
        this.state[r.key] = stateEntry(r, inputs, false, dockerHost, outcome.dockerId ?? (p.op === "update" ? previous?.dockerId : undefined));
        this.save();
    }

    /** `pulumi up`. */
    async apply(resources: RecordedResource[]): Promise<ApplyResult> {
        const steps: Step[] = [];
        const commands: CommandRun[] = [];
        const providers = new LocalProviders(this.log, commands);
        const byKey = new Map(resources.map((r) => [r.key, r]));
        let failure: Error | undefined;
        try {
            await inDependencyOrder([...byKey.keys()], (k) => byKey.get(k)?.options.dependsOnKeys ?? [], this.parallel, async (k) => {
                if (failure) return; // a failure cancels what has not started (cancelDueToError)
                try {
                    await this.step(byKey.get(k)!, resources, providers, steps);
                } catch (err) {
                    failure ??= err instanceof Error ? err : new Error(String(err));
                }
            });
            if (failure) throw failure;
            // Deletes last, dependents first, batch by batch; only after every step succeeded. The
            // old halves of create-before-delete replacements are among them (pendingDeleteKey).
            const gone = Object.keys(this.state).filter((k) => !byKey.has(k));
            await this.deleteInBatches(gone, providers, steps);
            return { ok: true, steps, commands };
        } catch (err) {
            this.save();
            return { ok: false, error: err instanceof Error ? err.message : String(err), steps, commands };
        }
    }

    private async deleteInBatches(keys: string[], providers: LocalProviders, steps: Step[], skip: (key: string) => boolean = () => false) {
        for (const batch of layers(keys, (k) => this.state[k]?.dependsOn ?? []).reverse()) {
            await Promise.all(
                batch.filter((k) => !skip(k)).map(async (key) => {
                    steps.push({ name: nameOf(key), type: this.state[key].type, op: "delete" });
                    await providers.remove(key, this.state[key]);
                    delete this.state[key];
                }),
            );
            this.save();
        }
    }

    /**
     * `pulumi destroy`. With `excludeProtected`, protected resources and what they depend on stay
     * (--exclude-protected); without it they fail the run at the end, after everything else that
     * could be deleted was deleted (--skip-preview, as pulumi/actions runs it).
     */
    async destroy(options: { excludeProtected?: boolean } = {}): Promise<ApplyResult> {
        const steps: Step[] = [];
        const commands: CommandRun[] = [];
        const keys = Object.keys(this.state);
        const keep = new Set<string>();
        const addWithDeps = (k: string) => {
            if (keep.has(k)) return;
            keep.add(k);
            for (const d of this.state[k]?.dependsOn ?? []) if (this.state[d]) addWithDeps(d);
        };
        const protectedKeys = keys.filter((k) => this.state[k].protect);
        protectedKeys.forEach(addWithDeps);
        await this.deleteInBatches(keys, new LocalProviders(this.log, commands), steps, (k) => keep.has(k));
        const errors = options.excludeProtected ? [] : protectedKeys.map((k) => `resource "${nameOf(k)}" cannot be deleted because it is protected`);
        return errors.length ? { ok: false, error: errors.join("\n"), steps, commands } : { ok: true, steps, commands };
    }
}
