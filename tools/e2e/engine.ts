// The engine double's planning: what `pulumi up` would do with each resource, from the old state,
// the new inputs and the providers' property rules (tools/e2e/provider-rules/, read from their
// source; engine behaviour in docs/engine-notes.md). Pure: no Docker here (see applier.ts).
import { isDeepStrictEqual } from "node:util";
import type { RecordedResource, Registered } from "../record";
import { providerRules, PROVIDER_TYPES, ResourceRules } from "./provider-rules";

/** What one resource gets in an update. */
export type Op = "create" | "import" | "same" | "update" | "replace";

export interface Planned {
    readonly op: Op;
    /** Inputs whose change decided the op. */
    readonly changed: string[];
    /** An update whose properties the provider saves but never applies (e.g. a container's healthcheck). */
    readonly noEffect: boolean;
    readonly deleteBeforeReplace: boolean;
}

export interface StateEntry {
    readonly type: string;
    readonly inputs: Record<string, unknown>;
    readonly dependsOn: string[];
    readonly propertyDependencies: Record<string, string[]>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** The provider's create failed after the resource existed (a container's `wait`): the next up updates it. */
    readonly initError?: boolean;
    /** The engine it is on, when not the default one (another server, in tests). */
    readonly dockerHost?: string;
    /** The old half of a create-before-delete replacement, deleted at the end of an up that succeeds. */
    readonly pendingDelete?: boolean;
    /** A container's ID on its engine, as the provider keeps it (its delete names it). */
    readonly dockerId?: string;
    /** What the provider returned (inputs and computed outputs): a preview's prior values. */
    readonly outputs?: Record<string, unknown>;
}
export type State = Record<string, StateEntry>;

/** Resource types that hold nothing real: components (and the stack). */
const isComponent = (r: Registered) => !r.custom;

/** Providers are configuration; the double accepts only an unchanged local engine. */
export { PROVIDER_TYPES };

function rulesOf(type: string): ResourceRules {
    const rules = providerRules[type];
    if (!rules) throw new Error(`${type}: the engine double knows no property rules for it; add them to tools/e2e/provider-rules/ from the provider's source`);
    return rules;
}

/**
 * Top-level input names whose values differ. `ignoreChanges` paths ("image", "rootVolume.sizeInGb")
 * first get their old values back, as the engine does (processIgnoreChanges).
 */
export function changedInputs(before: Record<string, unknown>, after: Record<string, unknown>, ignoreChanges: readonly string[] = []): string[] {
    const next: Record<string, any> = structuredClone(after);
    for (const path of ignoreChanges) {
        const keys = path.split(".");
        const last = keys.pop()!;
        const oldHolder = keys.reduce<any>((o, k) => (o == null ? o : o[k]), before);
        const newHolder = keys.reduce<any>((o, k) => (o == null ? o : o[k]), next);
        if (newHolder == null || typeof newHolder !== "object") continue;
        if (oldHolder != null && last in oldHolder) newHolder[last] = structuredClone(oldHolder[last]);
        else delete newHolder[last];
    }
    const keys = [...new Set([...Object.keys(before), ...Object.keys(next)])].sort();
    return keys.filter((k) => !isDeepStrictEqual(before[k], next[k]));
}

/** The engine's decision for one resource (step_generator.go: diff, then replaceOnChanges, then protect). */
export function plan(r: Registered, inputs: Record<string, unknown>, previous: StateEntry | undefined): Planned {
    // Components hold nothing real, and a provider's config is checked by the applier: no step. A
    // change to a provider's config never replaces what it manages (docs/engine-notes.md section 12).
    if (isComponent(r) || PROVIDER_TYPES.includes(r.type)) return { op: "same", changed: [], noEffect: true, deleteBeforeReplace: false };
    const rules = rulesOf(r.type);
    // The provider's choice, unless the program set the option either way (step_generator.go
    // generateStepsFromDiff: goal.DeleteBeforeReplace overrides diff.DeleteBeforeReplace).
    const providerDbr = rules.deleteBeforeReplace || (rules.autonamed !== undefined && inputs[rules.autonamed] !== undefined);
    const dbr = r.options.deleteBeforeReplaceDefined ? r.options.deleteBeforeReplace : providerDbr || r.options.deleteBeforeReplace;
    // The `import` option adopts an existing resource (a Read, no Create); once in state it is not imported again (step_generator.go isImport).
    if (!previous) return { op: r.options.importId ? "import" : "create", changed: [], noEffect: false, deleteBeforeReplace: dbr };
    const changed = changedInputs(previous.inputs, inputs, r.options.ignoreChanges);
    if (!changed.length) return previous.initError ? { op: "update", changed: [], noEffect: true, deleteBeforeReplace: dbr } : { op: "same", changed, noEffect: true, deleteBeforeReplace: dbr };
    const unknown = changed.filter((k) => ![...rules.replaceOn, ...rules.updateInPlace, ...rules.noEffect].includes(k));
    if (unknown.length) throw new Error(`${r.type} ${r.name}: the engine double does not know what a change to ${unknown.join(", ")} does; add it to tools/e2e/provider-rules/ from the provider's source`);
    const replaceOnChanges = r.options.replaceOnChanges;
    const replacing = changed.filter((k) => rules.replaceOn.includes(k) || replaceOnChanges.includes(k) || replaceOnChanges.includes("*"));
    if (replacing.length) {
        if (previous.protect && r.options.protect)
            throw new Error(`unable to replace resource "${r.name}" as it is currently marked for protection (changed: ${replacing.join(", ")})`);
        return { op: "replace", changed: replacing, noEffect: false, deleteBeforeReplace: dbr };
    }
    return { op: "update", changed, noEffect: changed.every((k) => rules.noEffect.includes(k)), deleteBeforeReplace: dbr };
}

const IMAGE = "docker:index/image:Image";

/**
 * What `pulumi preview` hands the program for one resource (docs/engine-notes.md section 11): the
 * outputs in state, kept by an in-place update until the provider reads the resource back, or by an
 * unchanged one; undefined when the engine creates it (no state, or a replacement), whose computed
 * outputs and ID are then unknown. `inputs` are the new ones, secrets revealed.
 */
export function priorOutputs(state: State, r: Registered, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    // A provider the last `up` configured is in the engine's state with its ID; the double keeps none.
    if (PROVIDER_TYPES.includes(r.type)) return Object.keys(state).length ? {} : undefined;
    const previous = state[r.key];
    if (!previous) return undefined;
    let op: Op;
    try {
        op = plan(r, inputs, previous).op;
    } catch {
        return previous.outputs ?? {}; // the preview's own plan of it reports the error
    }
    if (op === "replace") return undefined;
    // pulumi-docker v5.1.0 provider/provider.go Update: in preview without buildOnPreview (canPreview)
    // it returns the new inputs only, so the image's repoDigest is unknown.
    if (op === "update" && r.type === IMAGE && inputs.buildOnPreview !== true) return {};
    return previous.outputs ?? {};
}

/**
 * The resources in state the new program no longer declares: the engine deletes them at the end of
 * the update, and a protected one fails it (step.go DeleteStep.Apply: `!s.replacing && s.old.Protect`).
 * The protection checked is the state's: a run that only sets `protect: false` changes no input, is a
 * same step with the new flag written to state, no provider call (step_generator.go, `goal.Protect`).
 */
export function deletions(state: State, declared: ReadonlySet<string>): { readonly deleted: string[]; readonly refused: string[] } {
    const gone = Object.keys(state).filter((k) => !declared.has(k));
    return {
        deleted: gone.filter((k) => !state[k].protect),
        refused: gone.filter((k) => state[k].protect).map((k) => `resource "${k.split("::")[1]}" cannot be deleted because it is protected`),
    };
}

/**
 * Resources the engine deletes before a delete-before-replace of `replaced`: those with a
 * property dependency on it through an input whose change would replace them
 * (calculateDependentReplacements).
 */
export function dependentReplacements(replaced: string, resources: readonly RecordedResource[]): string[] {
    // `replaced` and the result are keys (type::name).
    return resources
        .filter((r) => r.custom && providerRules[r.type])
        .filter((r) =>
            Object.entries(r.options.propertyDependencyKeys).some(([prop, deps]) => deps.includes(replaced) && (rulesOf(r.type).replaceOn.includes(prop) || r.options.replaceOnChanges.includes(prop))),
        )
        .map((r) => r.key);
}

/**
 * Groups of names in which every member's dependencies come in earlier groups: creates run group by
 * group forwards, deletes backwards (the engine's antichains).
 */
export function layers(names: readonly string[], dependsOn: (name: string) => readonly string[]): string[][] {
    const wanted = new Set(names);
    const depth = new Map<string, number>();
    const visit = (n: string, path: string[]): number => {
        if (depth.has(n)) return depth.get(n)!;
        if (path.includes(n)) throw new Error(`dependency cycle: ${[...path, n].join(" -> ")}`);
        const d = Math.max(-1, ...dependsOn(n).filter((x) => wanted.has(x)).map((x) => visit(x, [...path, n]))) + 1;
        depth.set(n, d);
        return d;
    };
    names.forEach((n) => visit(n, []));
    const out: string[][] = [];
    for (const [n, d] of depth) (out[d] ??= []).push(n);
    return out.filter(Boolean);
}
