// The engine double: applies what the program declares (recorded under mocks) to the local Docker
// engine as `pulumi up` and `pulumi destroy` would, since the Pulumi engine cannot run here. What
// it does with each resource is planned by engine.ts from the providers' own property rules:
// delete-before-replace for containers, networks and volumes; replace, update or no effect per
// property; a dependsOn that never re-runs an unchanged resource; independent resources at once;
// deletes at the end and only after a run without failure; protect and retainOnDelete. Any input it
// does not know fails loudly, so it can never silently differ from the program.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RecordedResource, reveal } from "../record";
import { dependentReplacements, layers, plan, Planned, PROVIDER_TYPES, State, StateEntry } from "./engine";
import { containerArgs } from "./container-args";

export interface ApplyLog {
    (line: string): void;
}

export interface CommandRun {
    readonly name: string;
    readonly op: "create" | "update" | "delete";
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

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

export function run(cmd: string, args: string[], input?: string, env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...(env ? { env: { ...process.env, ...env } } : {}) });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.on("error", () => undefined); // a script that never reads stdin
        child.stdin.end(input ?? "");
    });
}

/** The engine a resource's provider names (another engine stands in for another server in tests). */
type Env = Record<string, string> | undefined;

async function docker(args: string[], env?: Env): Promise<string> {
    const r = await run("docker", args, undefined, env);
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
    return r.stdout.trim();
}

const labelFlags = (labels: unknown) => ((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => `--label=${l.label}=${l.value}`);

class StepFailed extends Error {}

/** The name part of a state key (type::name). */
const nameOf = (key: string) => key.slice(key.lastIndexOf("::") + 2);

/** Applies recorded resources against state kept in `stateFile`, as the engine would. */
export class Applier {
    private state: State;

    constructor(
        private readonly stateFile: string,
        private readonly log: ApplyLog = () => undefined,
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

    /** DOCKER_HOST of the resource's provider, when it names another engine than the default. */
    private envOf(r: RecordedResource, all: readonly RecordedResource[]): Env {
        const provider = r.options.provider && all.find((x) => x.key === r.options.provider);
        const host = provider ? String((reveal(provider.inputs) as Record<string, unknown>).host ?? "") : "";
        return host && host !== (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock") ? { DOCKER_HOST: host } : undefined;
    }

    private entry(r: RecordedResource, inputs: Record<string, unknown>, initError = false, env?: Env): StateEntry {
        return {
            type: r.type,
            inputs,
            dependsOn: r.options.dependsOnKeys,
            propertyDependencies: r.options.propertyDependencyKeys,
            protect: r.options.protect,
            retainOnDelete: r.options.retainOnDelete,
            ...(initError ? { initError } : {}),
            ...(env?.DOCKER_HOST ? { dockerHost: env.DOCKER_HOST } : {}),
        };
    }

    /** What `pulumi preview` would show: the op per resource, nothing applied. */
    preview(resources: RecordedResource[]): Step[] {
        const steps: Step[] = resources.map((r) => ({ name: r.name, type: r.type, ...this.planOf(r) }));
        const wanted = new Set(resources.map((r) => r.key));
        for (const [key, e] of Object.entries(this.state)) if (!wanted.has(key)) steps.push({ name: nameOf(key), type: e.type, op: "delete" });
        return steps.filter((s) => s.op !== "same");
    }

    private planOf(r: RecordedResource) {
        const p = plan(r, reveal(r.inputs) as Record<string, unknown>, this.state[r.key]);
        return { op: p.op, changed: p.changed };
    }

    /** `pulumi up`. */
    async apply(resources: RecordedResource[]): Promise<ApplyResult> {
        const steps: Step[] = [];
        const commands: CommandRun[] = [];
        const byName = new Map(resources.map((r) => [r.key, r]));
        const wanted = new Set(byName.keys());
        const deleteAtEnd: { name: string; entry: StateEntry }[] = [];
        const deps = (n: string) => byName.get(n)?.options.dependsOnKeys ?? [];
        let failure: Error | undefined;

        const stepFor = async (r: RecordedResource) => {
            const inputs = reveal(r.inputs) as Record<string, any>;
            const previous = this.state[r.key];
            const env = this.envOf(r, resources);
            if (PROVIDER_TYPES.includes(r.type)) return this.checkProvider(r, inputs);
            const p = plan(r, inputs, previous);
            if (p.op === "same") return;
            steps.push({ name: r.name, type: r.type, op: p.op, changed: p.changed });
            this.log(`${r.name}: ${p.op}${p.changed.length ? ` (${p.changed.join(", ")})` : ""}`);
            if (p.op === "replace" && p.deleteBeforeReplace) {
                // Dependents that must be replaced go first, then the old resource, then the new one.
                for (const d of dependentReplacements(r.key, resources).filter((n) => this.state[n])) {
                    await this.remove(d, this.state[d], commands);
                    delete this.state[d];
                }
                await this.remove(r.key, previous!, commands);
                delete this.state[r.key];
                this.save();
            }
            const op = p.op === "update" ? "update" : "create";
            if (p.op === "update" && p.noEffect) {
                // Saved to state, never applied to the real thing (the provider has no update for it).
                this.state[r.key] = this.entry(r, inputs, false, env);
                return this.save();
            }
            const outcome = await this.converge(r, inputs, op, previous, commands, env);
            if (outcome === "init-error" || outcome === "failed") {
                // A partial create stays in state as failed to initialise; a failed command leaves nothing (a failed update keeps the old).
                if (outcome === "init-error") this.state[r.key] = this.entry(r, inputs, true, env);
                this.save();
                throw new StepFailed(`${r.name}: ${this.lastError}`);
            }
            if (p.op === "replace" && !p.deleteBeforeReplace && previous) deleteAtEnd.push({ name: r.key, entry: previous });
            this.state[r.key] = this.entry(r, inputs, false, env);
            this.save();
        };

        try {
            await this.schedule(resources.map((r) => r.key), deps, async (n) => {
                if (failure) return;
                try {
                    await stepFor(byName.get(n)!);
                } catch (err) {
                    failure ??= err instanceof Error ? err : new Error(String(err));
                }
            });
            if (failure) throw failure;
            // Deletes last, dependents first, batch by batch; only after every step succeeded.
            const gone = Object.keys(this.state).filter((n) => !wanted.has(n));
            const stateDeps = (n: string) => this.state[n]?.dependsOn ?? [];
            for (const batch of layers(gone, stateDeps).reverse()) {
                await Promise.all(
                    batch.map(async (name) => {
                        steps.push({ name: nameOf(name), type: this.state[name].type, op: "delete" });
                        await this.remove(name, this.state[name], commands);
                        delete this.state[name];
                    }),
                );
                this.save();
            }
            for (const d of deleteAtEnd) await this.remove(d.name, d.entry, commands);
            return { ok: true, steps, commands };
        } catch (err) {
            this.save();
            return { ok: false, error: err instanceof Error ? err.message : String(err), steps, commands };
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
        const names = Object.keys(this.state);
        const keep = new Set<string>();
        const protectedNames = names.filter((n) => this.state[n].protect);
        const addWithDeps = (n: string) => {
            if (keep.has(n)) return;
            keep.add(n);
            for (const d of this.state[n]?.dependsOn ?? []) if (this.state[d]) addWithDeps(d);
        };
        protectedNames.forEach(addWithDeps);
        const errors: string[] = [];
        for (const batch of layers(names, (n) => this.state[n]?.dependsOn ?? []).reverse()) {
            await Promise.all(
                batch.map(async (name) => {
                    if (keep.has(name)) {
                        if (!options.excludeProtected && this.state[name].protect) errors.push(`resource "${name}" cannot be deleted because it is protected`);
                        return;
                    }
                    steps.push({ name: nameOf(name), type: this.state[name].type, op: "delete" });
                    await this.remove(name, this.state[name], commands);
                    delete this.state[name];
                }),
            );
            this.save();
        }
        return errors.length ? { ok: false, error: errors.join("\n"), steps, commands } : { ok: true, steps, commands };
    }

    /** Runs `step` for every name once its dependencies finished, at most `parallel` at a time. */
    private async schedule(names: string[], deps: (n: string) => readonly string[], step: (n: string) => Promise<void>) {
        const known = new Set(names);
        const done = new Map<string, Promise<void>>();
        let running = 0;
        const waiting: (() => void)[] = [];
        const slot = async () => {
            while (running >= this.parallel) await new Promise<void>((r) => waiting.push(r));
            running++;
        };
        const release = () => {
            running--;
            waiting.shift()?.();
        };
        const start = (n: string, path: string[]): Promise<void> => {
            if (path.includes(n)) throw new Error(`dependency cycle: ${[...path, n].join(" -> ")}`);
            if (!done.has(n)) {
                const before = deps(n).filter((d) => known.has(d)).map((d) => start(d, [...path, n]));
                done.set(n, Promise.all(before).then(async () => {
                    await slot();
                    try {
                        await step(n);
                    } finally {
                        release();
                    }
                }));
            }
            return done.get(n)!;
        };
        await Promise.all(names.map((n) => start(n, [])));
    }

    private lastError = "";

    private async runScript(name: string, op: CommandRun["op"], scriptText: string, stdin?: string, env?: Env): Promise<CommandRun> {
        const started = Date.now();
        this.log(`${name}: run ${op}`);
        const r = await run("/bin/bash", ["-c", scriptText], stdin, env);
        return { name, op, code: r.code, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
    }

    private checkProvider(r: RecordedResource, inputs: Record<string, any>) {
        if (r.type === "pulumi:providers:docker" && inputs.host !== undefined && !/^unix:\/\//.test(String(inputs.host)))
            throw new StepFailed(`provider host ${String(inputs.host)} is not the local engine`);
    }

    /** Creates or updates the real thing; "failed" or "init-error" with lastError set. */
    private async converge(r: RecordedResource, inputs: Record<string, any>, op: "create" | "update", previous: StateEntry | undefined, commands: CommandRun[], env?: Env): Promise<"ok" | "failed" | "init-error"> {
        try {
            switch (r.type) {
                case "random:index/randomPassword:RandomPassword":
                    return "ok"; // its value came from the mocks
                case "docker:index/network:Network":
                    await docker(["network", "create", `--driver=${inputs.driver ?? "bridge"}`, ...(inputs.internal ? ["--internal"] : []), ...labelFlags(inputs.labels), inputs.name], env);
                    return "ok";
                case "docker:index/volume:Volume":
                    // Docker hands back an existing volume of the same name (a retained one after a destroy).
                    await docker(["volume", "create", ...labelFlags(inputs.labels), inputs.name], env);
                    return "ok";
                case "docker:index/remoteImage:RemoteImage":
                    if ((await run("docker", ["image", "inspect", inputs.name], undefined, env)).code !== 0) throw new Error(`cannot pull ${inputs.name}: no registry can be reached here; build it locally`);
                    return "ok";
                case "docker:index/image:Image":
                    // Built when the program ran (the e2e outputs hook), as the engine builds at this step.
                    if ((await run("docker", ["image", "inspect", inputs.imageName], undefined, env)).code !== 0) throw new Error(`image ${inputs.imageName} was not built`);
                    return "ok";
                case "docker:index/container:Container":
                    return op === "update" ? (await this.updateContainer(inputs, env), "ok") : await this.createContainer(r, inputs, env);
                case "command:local:Command": {
                    if (JSON.stringify(inputs.interpreter) !== JSON.stringify(["/bin/bash", "-c"])) throw new Error(`interpreter ${JSON.stringify(inputs.interpreter)} not understood`);
                    const text = op === "update" ? inputs.update ?? inputs.create : inputs.create;
                    const ran = await this.runScript(r.name, op, text, inputs.stdin, inputs.environment);
                    commands.push(ran);
                    if (ran.code !== 0) {
                        this.lastError = ran.stderr.trim() || `exit ${ran.code}`;
                        return "failed";
                    }
                    return "ok";
                }
                default:
                    throw new Error(`${r.type} ${r.name}: the local engine double cannot create this (local target only)`);
            }
        } catch (err) {
            this.lastError = err instanceof Error ? err.message : String(err);
            return "failed";
        }
    }

    private async createContainer(r: RecordedResource, inputs: Record<string, any>, env?: Env): Promise<"ok" | "init-error"> {
        const { create, extraNetworks } = containerArgs(r, inputs);
        // ContainerCreate with the name: an existing container of that name fails the create.
        await docker(["create", ...create], env);
        for (const n of extraNetworks) await docker(["network", "connect", ...n.aliases.map((a) => `--alias=${a}`), n.name, inputs.name], env);
        await docker(["start", inputs.name], env);
        if (inputs.wait) {
            const error = await this.waitHealthy(inputs.name, Number(inputs.waitTimeout ?? 60), env);
            if (error) {
                this.lastError = error;
                return "init-error";
            }
        }
        return "ok";
    }

    /** resourceDockerContainerUpdate: one ContainerUpdate with the in-place properties. */
    private async updateContainer(inputs: Record<string, any>, env?: Env) {
        const args = ["update"];
        if (inputs.memory) args.push(`--memory=${inputs.memory}m`);
        if (inputs.memorySwap) args.push(`--memory-swap=${inputs.memorySwap}m`);
        if (inputs.restart) args.push(`--restart=${inputs.restart}`);
        await docker([...args, inputs.name], env);
    }

    private async remove(name: string, entry: StateEntry, commands: CommandRun[]): Promise<void> {
        const i = entry.inputs as Record<string, any>;
        const env: Env = entry.dockerHost ? { DOCKER_HOST: entry.dockerHost } : undefined;
        if (entry.retainOnDelete) return this.log(`${name}: retained (retainOnDelete)`);
        switch (entry.type) {
            case "docker:index/container:Container":
                this.log(`${name}: remove container`);
                // ContainerStop(destroyGraceSeconds, 0 when unset), then a forced remove; "no such container" is fine.
                await run("docker", ["stop", "-t", String(i.destroyGraceSeconds ?? 0), i.name], undefined, env);
                await run("docker", ["rm", "-f", "-v", i.name], undefined, env);
                return;
            case "docker:index/network:Network":
                this.log(`${name}: remove network`);
                await run("docker", ["network", "rm", i.name], undefined, env);
                return;
            case "docker:index/volume:Volume":
                this.log(`${name}: remove volume`);
                await run("docker", ["volume", "rm", "-f", i.name], undefined, env);
                return;
            case "docker:index/remoteImage:RemoteImage":
                if (!i.keepLocally) await run("docker", ["image", "rm", i.name], undefined, env);
                return;
            case "command:local:Command":
                if (i.delete) commands.push(await this.runScript(nameOf(name), "delete", i.delete, i.stdin, i.environment));
                return;
            default:
                return;
        }
    }

    /** The provider's `wait`: poll the health status each second until healthy or the timeout. */
    private async waitHealthy(container: string, timeoutSeconds: number, env?: Env): Promise<string | undefined> {
        const deadline = Date.now() + timeoutSeconds * 1000;
        for (;;) {
            const status = await docker(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}", container], env);
            if (status.startsWith("healthy") || status.startsWith("none running")) return undefined;
            if (!status.endsWith("running") || Date.now() > deadline) {
                const logs = (await run("docker", ["logs", "--tail", "20", container], undefined, env)).stderr;
                return `${container} did not become healthy within ${timeoutSeconds}s (${status}): ${logs}`;
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}
