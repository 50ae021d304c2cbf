// Applies what the program declares (recorded under mocks) to the local Docker engine, standing in
// for the Pulumi engine, which cannot run here. Networks, volumes and containers get exactly their
// declared settings; command scripts run with their stdin. Any property this applier does not know
// fails loudly, so it can never silently differ from the program.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { RecordedResource, reveal } from "../record";
import { shq } from "../../render/shell";

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

/** Result of one apply: like `pulumi up`, it stops at the first failure. */
export interface ApplyResult {
    readonly ok: boolean;
    readonly error?: string;
    readonly commands: CommandRun[];
}

interface StateEntry {
    readonly type: string;
    readonly hash: string;
    readonly inputs: Record<string, unknown>;
    readonly dependsOn: string[];
}
type State = Record<string, StateEntry>;

export function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
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

async function docker(args: string[]): Promise<string> {
    const r = await run("docker", args);
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
    return r.stdout.trim();
}

/** Fails on any input key outside `known`. */
function only(r: RecordedResource, inputs: Record<string, unknown>, known: string[]) {
    const unknown = Object.keys(inputs).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`${r.type} ${r.name}: the applier does not understand ${unknown.join(", ")}; teach tools/e2e/applier.ts before using it`);
}

const labelFlags = (labels: unknown) => ((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => `--label=${l.label}=${l.value}`);

/** `docker run` arguments for a docker.Container's inputs; throws on anything unknown. */
export function containerArgs(r: RecordedResource, inputs: Record<string, any>): { create: string[]; extraNetworks: { name: string; aliases: string[] }[] } {
    only(r, inputs, ["name", "image", "command", "restart", "memory", "memorySwap", "logDriver", "logOpts", "securityOpts", "capabilities", "readOnly", "tmpfs", "labels", "envs", "volumes", "ports", "networksAdvanced", "healthcheck", "wait", "waitTimeout", "user"]);
    const a: string[] = ["--name", inputs.name];
    if (inputs.restart) a.push(`--restart=${inputs.restart}`);
    if (inputs.memory) a.push(`--memory=${inputs.memory}m`);
    if (inputs.memorySwap) a.push(`--memory-swap=${inputs.memorySwap}m`);
    if (inputs.logDriver) a.push(`--log-driver=${inputs.logDriver}`);
    for (const [k, v] of Object.entries(inputs.logOpts ?? {})) a.push(`--log-opt=${k}=${v}`);
    for (const o of inputs.securityOpts ?? []) a.push(`--security-opt=${o}`);
    if (inputs.capabilities) {
        only(r, inputs.capabilities, ["adds", "drops"]);
        for (const c of inputs.capabilities.drops ?? []) a.push(`--cap-drop=${c}`);
        for (const c of inputs.capabilities.adds ?? []) a.push(`--cap-add=${c}`);
    }
    if (inputs.readOnly) a.push("--read-only");
    for (const [path, opts] of Object.entries(inputs.tmpfs ?? {})) a.push(`--tmpfs=${path}:${opts}`);
    if (inputs.user) a.push(`--user=${inputs.user}`);
    a.push(...labelFlags(inputs.labels));
    for (const e of inputs.envs ?? []) a.push("--env", e);
    for (const v of inputs.volumes ?? []) {
        only(r, v, ["hostPath", "volumeName", "containerPath", "readOnly"]);
        const source = v.hostPath ?? v.volumeName;
        if (v.hostPath) fs.mkdirSync(v.hostPath, { recursive: true }); // as dockerd does for binds
        a.push(`--volume=${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
    }
    for (const p of inputs.ports ?? []) {
        only(r, p, ["internal", "external", "ip", "protocol"]);
        a.push(`--publish=${p.ip ? `${p.ip}:` : ""}${p.external}:${p.internal}/${p.protocol ?? "tcp"}`);
    }
    const networks = (inputs.networksAdvanced ?? []) as { name: string; aliases?: string[] }[];
    for (const n of networks) only(r, n, ["name", "aliases"]);
    if (networks[0]) {
        a.push(`--network=${networks[0].name}`);
        for (const alias of networks[0].aliases ?? []) a.push(`--network-alias=${alias}`);
    }
    if (inputs.healthcheck) {
        const h = inputs.healthcheck;
        only(r, h, ["tests", "interval", "timeout", "retries", "startPeriod"]);
        const [kind, ...cmd] = h.tests as string[];
        if (kind !== "CMD") throw new Error(`${r.name}: healthcheck ${kind} not understood`);
        // --health-cmd runs through /bin/sh; quote each word so CMD's argv survives.
        a.push(`--health-cmd=${cmd.map(shq).join(" ")}`);
        if (h.interval) a.push(`--health-interval=${h.interval}`);
        if (h.timeout) a.push(`--health-timeout=${h.timeout}`);
        if (h.retries) a.push(`--health-retries=${h.retries}`);
        if (h.startPeriod) a.push(`--health-start-period=${h.startPeriod}`);
    }
    a.push(inputs.image, ...(inputs.command ?? []));
    return { create: a, extraNetworks: networks.slice(1).map((n) => ({ name: n.name, aliases: n.aliases ?? [] })) };
}

const hash = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

const providerHost = (inputs: Record<string, unknown>) => {
    const host = inputs.host;
    if (host !== undefined && !/^unix:\/\//.test(String(host))) throw new Error(`provider host ${String(host)} is not the local engine`);
};

/** Applies recorded resources against state kept in `stateFile`, as an engine would. */
export class Applier {
    private state: State;

    constructor(private readonly stateFile: string, private readonly log: ApplyLog = () => undefined) {
        this.state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : {};
    }

    private save() {
        fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
        fs.writeFileSync(this.stateFile, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    }

    /** Dependencies first (dependsOn already holds property dependencies and parents' children order). */
    private order(resources: RecordedResource[]): RecordedResource[] {
        const byName = new Map(resources.map((r) => [r.name, r]));
        const done = new Set<string>();
        const out: RecordedResource[] = [];
        const visit = (r: RecordedResource, path: string[]) => {
            if (done.has(r.name)) return;
            if (path.includes(r.name)) throw new Error(`dependency cycle: ${[...path, r.name].join(" -> ")}`);
            for (const d of r.options.dependsOn) {
                const dep = byName.get(d);
                if (dep) visit(dep, [...path, r.name]);
            }
            done.add(r.name);
            out.push(r);
        };
        for (const r of resources) visit(r, []);
        return out;
    }

    async apply(resources: RecordedResource[]): Promise<ApplyResult> {
        const commands: CommandRun[] = [];
        const wanted = new Set(resources.map((r) => r.name));
        try {
            for (const r of this.order(resources)) {
                const inputs = reveal(r.inputs) as Record<string, any>;
                const h = hash(inputs);
                const previous = this.state[r.name];
                if (previous && previous.hash === h) continue;
                const ran = await this.converge(r, inputs, previous);
                if (ran) {
                    commands.push(ran);
                    if (ran.code !== 0) {
                        // A failed update keeps the old state, as Pulumi does.
                        this.save();
                        return { ok: false, error: `${r.name}: ${ran.stderr.trim() || `exit ${ran.code}`}`, commands };
                    }
                }
                this.state[r.name] = { type: r.type, hash: h, inputs, dependsOn: r.options.dependsOn };
                this.save();
            }
            // Deletes last, dependents first, as Pulumi does.
            const gone = Object.keys(this.state).filter((n) => !wanted.has(n)).reverse();
            for (const name of gone) {
                const ran = await this.remove(name, this.state[name]);
                if (ran) commands.push(ran);
                delete this.state[name];
                this.save();
            }
            return { ok: true, commands };
        } catch (err) {
            this.save();
            return { ok: false, error: err instanceof Error ? err.message : String(err), commands };
        }
    }

    /** Deletes everything in state (pulumi destroy), honouring retainOnDelete-style protection by `keep`. */
    async destroy(keep: (name: string, type: string) => boolean = () => false): Promise<void> {
        for (const name of Object.keys(this.state).reverse()) {
            if (!keep(name, this.state[name].type)) await this.remove(name, this.state[name]);
            delete this.state[name];
            this.save();
        }
    }

    private async runScript(name: string, op: CommandRun["op"], scriptText: string, stdin?: string): Promise<CommandRun> {
        const started = Date.now();
        this.log(`${name}: ${op}`);
        const r = await run("/bin/bash", ["-c", scriptText], stdin);
        return { name, op, code: r.code, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
    }

    private async converge(r: RecordedResource, inputs: Record<string, any>, previous?: StateEntry): Promise<CommandRun | undefined> {
        switch (r.type) {
            case "pulumi:providers:docker":
                only(r, inputs, ["host", "disableDockerDaemonCheck", "registryAuth"]);
                providerHost(inputs);
                return undefined;
            case "random:index/randomPassword:RandomPassword":
                return undefined; // its value came from the mocks
            case "docker:index/network:Network": {
                only(r, inputs, ["name", "driver", "internal", "labels"]);
                if (previous) await this.remove(r.name, previous); // every input forces replacement
                this.log(`${r.name}: create network`);
                await docker(["network", "create", `--driver=${inputs.driver ?? "bridge"}`, ...(inputs.internal ? ["--internal"] : []), ...labelFlags(inputs.labels), inputs.name]);
                return undefined;
            }
            case "docker:index/volume:Volume": {
                only(r, inputs, ["name", "labels"]);
                if (previous) throw new Error(`${r.name}: replacing a volume would lose data; refused`);
                this.log(`${r.name}: create volume`);
                await docker(["volume", "create", ...labelFlags(inputs.labels), inputs.name]);
                return undefined;
            }
            case "docker:index/container:Container": {
                const { create, extraNetworks } = containerArgs(r, inputs);
                // The provider declares containers delete-before-replace.
                if (previous) await this.remove(r.name, previous);
                this.log(`${r.name}: create container`);
                await run("docker", ["rm", "-f", inputs.name]);
                await docker(["create", ...create]);
                for (const n of extraNetworks) await docker(["network", "connect", ...n.aliases.map((a) => `--alias=${a}`), n.name, inputs.name]);
                await docker(["start", inputs.name]);
                if (inputs.wait) await this.waitHealthy(inputs.name, Number(inputs.waitTimeout ?? 60));
                return undefined;
            }
            case "command:local:Command": {
                only(r, inputs, ["interpreter", "create", "update", "delete", "stdin", "triggers", "logging"]);
                if (JSON.stringify(inputs.interpreter) !== JSON.stringify(["/bin/bash", "-c"])) throw new Error(`${r.name}: interpreter ${JSON.stringify(inputs.interpreter)} not understood`);
                // A change in triggers replaces the command (create new, delete old); other changes update.
                if (previous && JSON.stringify(previous.inputs.triggers) !== JSON.stringify(inputs.triggers)) {
                    const created = await this.runScript(r.name, "create", inputs.create, inputs.stdin);
                    if (created.code === 0 && previous.inputs.delete) await this.runScript(r.name, "delete", previous.inputs.delete as string, previous.inputs.stdin as string);
                    return created;
                }
                if (previous) return this.runScript(r.name, "update", inputs.update ?? inputs.create, inputs.stdin);
                return this.runScript(r.name, "create", inputs.create, inputs.stdin);
            }
            default:
                if (!r.custom) return undefined; // component resources hold nothing themselves
                throw new Error(`${r.type} ${r.name}: the local applier cannot create this (local target only)`);
        }
    }

    private async remove(name: string, entry: StateEntry): Promise<CommandRun | undefined> {
        const i = entry.inputs as Record<string, any>;
        switch (entry.type) {
            case "docker:index/container:Container":
                this.log(`${name}: remove container`);
                await run("docker", ["rm", "-f", i.name]);
                return undefined;
            case "docker:index/network:Network":
                this.log(`${name}: remove network`);
                await run("docker", ["network", "rm", i.name]);
                return undefined;
            case "docker:index/volume:Volume":
                this.log(`${name}: remove volume`);
                await run("docker", ["volume", "rm", i.name]);
                return undefined;
            case "command:local:Command":
                return i.delete ? this.runScript(name, "delete", i.delete, i.stdin) : undefined;
            default:
                return undefined;
        }
    }

    private async waitHealthy(container: string, timeoutSeconds: number) {
        const deadline = Date.now() + timeoutSeconds * 1000;
        for (;;) {
            const status = await docker(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}", container]);
            if (status.startsWith("healthy") || status.startsWith("none running")) return;
            if (!status.endsWith("running") || Date.now() > deadline) {
                const logs = (await run("docker", ["logs", "--tail", "20", container])).stderr;
                throw new Error(`${container} did not become healthy within ${timeoutSeconds}s (${status}): ${logs}`);
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}
