// What the providers do to the real things, for the resource types the local target uses: Docker
// networks, volumes, images and containers (as the docker provider creates and deletes them), local
// commands (as the command provider runs them), random passwords (their value came from the mocks).
import type { RecordedResource } from "../record";
import type { StateEntry } from "./engine";
import { containerArgs } from "./container-args";
import { docker, Env, run } from "./process";

export interface CommandRun {
    readonly name: string;
    readonly op: "create" | "update" | "delete";
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/** A step's result: done, failed (nothing left, or the old kept), or created but failed to initialise. */
export type Outcome = { ok: true; dockerId?: string } | { ok: false; error: string; initError?: boolean; dockerId?: string };

const labelFlags = (labels: unknown) => ((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => `--label=${l.label}=${l.value}`);
const nameOf = (key: string) => key.slice(key.lastIndexOf("::") + 2);
/** DOCKER_HOST for a resource on another engine than this process's default one. */
const engineEnv = (dockerHost?: string): Env => (dockerHost ? { DOCKER_HOST: dockerHost } : undefined);

export class LocalProviders {
    constructor(
        private readonly log: (line: string) => void,
        /** Every command run, in order (a step's report). */
        private readonly commands: CommandRun[],
    ) {}

    private async script(name: string, op: CommandRun["op"], text: string, stdin?: string, env?: Env): Promise<CommandRun> {
        const started = Date.now();
        this.log(`${name}: run ${op}`);
        const r = await run("/bin/bash", ["-c", text], stdin, env);
        const ran = { name, op, code: r.code, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
        this.commands.push(ran);
        return ran;
    }

    /** The provider's create (or update) of one resource, on the engine at dockerHost when given. */
    async converge(r: RecordedResource, inputs: Record<string, any>, op: "create" | "update", dockerHost?: string): Promise<Outcome> {
        const env = engineEnv(dockerHost);
        try {
            switch (r.type) {
                case "random:index/randomPassword:RandomPassword":
                    return { ok: true };
                case "docker:index/network:Network":
                    await docker(["network", "create", `--driver=${inputs.driver ?? "bridge"}`, ...(inputs.internal ? ["--internal"] : []), ...labelFlags(inputs.labels), inputs.name], env);
                    return { ok: true };
                case "docker:index/volume:Volume":
                    // Docker hands back an existing volume of the same name (a retained one after a destroy).
                    await docker(["volume", "create", ...labelFlags(inputs.labels), inputs.name], env);
                    return { ok: true };
                case "docker:index/remoteImage:RemoteImage":
                    if ((await run("docker", ["image", "inspect", inputs.name], undefined, env)).code !== 0) throw new Error(`cannot pull ${inputs.name}: no registry can be reached here; build it locally`);
                    return { ok: true };
                case "docker:index/image:Image":
                    // Built when the program ran (the e2e outputs hook), as the engine builds at this step.
                    if ((await run("docker", ["image", "inspect", inputs.imageName], undefined, env)).code !== 0) throw new Error(`image ${inputs.imageName} was not built`);
                    return { ok: true };
                case "docker:index/container:Container":
                    return op === "update" ? (await this.updateContainer(inputs, env), { ok: true }) : await this.createContainer(r, inputs, env);
                case "command:local:Command": {
                    if (JSON.stringify(inputs.interpreter) !== JSON.stringify(["/bin/bash", "-c"])) throw new Error(`interpreter ${JSON.stringify(inputs.interpreter)} not understood`);
                    const ran = await this.script(r.name, op, op === "update" ? inputs.update ?? inputs.create : inputs.create, inputs.stdin, inputs.environment);
                    return ran.code === 0 ? { ok: true } : { ok: false, error: ran.stderr.trim() || `exit ${ran.code}` };
                }
                default:
                    throw new Error(`${r.type} ${r.name}: the local engine double cannot create this (local target only)`);
            }
        } catch (err) {
            return { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
    }

    private async createContainer(r: RecordedResource, inputs: Record<string, any>, env: Env): Promise<Outcome> {
        const { create, extraNetworks } = containerArgs(r, inputs);
        // ContainerCreate with the name: an existing container of that name fails the create. The
        // provider keeps the container's ID (the resource's ID), and its delete names that.
        const dockerId = await docker(["create", ...create], env);
        for (const n of extraNetworks) await docker(["network", "connect", ...n.aliases.map((a) => `--alias=${a}`), n.name, inputs.name], env);
        await docker(["start", inputs.name], env);
        if (!inputs.wait) return { ok: true, dockerId };
        const error = await this.waitHealthy(inputs.name, Number(inputs.waitTimeout ?? 60), env);
        return error ? { ok: false, error, initError: true, dockerId } : { ok: true, dockerId };
    }

    /** resourceDockerContainerUpdate: one ContainerUpdate with the in-place properties. */
    private async updateContainer(inputs: Record<string, any>, env: Env) {
        const args = ["update"];
        if (inputs.memory) args.push(`--memory=${inputs.memory}m`);
        if (inputs.memorySwap) args.push(`--memory-swap=${inputs.memorySwap}m`);
        if (inputs.restart) args.push(`--restart=${inputs.restart}`);
        await docker([...args, inputs.name], env);
    }

    /** The provider's delete (nothing for what is retained on delete). */
    async remove(key: string, entry: StateEntry): Promise<void> {
        const i = entry.inputs as Record<string, any>;
        const env = engineEnv(entry.dockerHost);
        if (entry.retainOnDelete) return this.log(`${key}: retained (retainOnDelete)`);
        switch (entry.type) {
            case "docker:index/container:Container":
                this.log(`${key}: remove container`);
                // ContainerStop(destroyGraceSeconds, 0 when unset), then a forced remove, both by the
                // resource's ID (a container renamed since, or a new one of its name, is told apart);
                // "no such container" is fine. State written before IDs were kept has the name only.
                await run("docker", ["stop", "-t", String(i.destroyGraceSeconds ?? 0), entry.dockerId ?? i.name], undefined, env);
                await run("docker", ["rm", "-f", "-v", entry.dockerId ?? i.name], undefined, env);
                return;
            case "docker:index/network:Network":
                this.log(`${key}: remove network`);
                await run("docker", ["network", "rm", i.name], undefined, env);
                return;
            case "docker:index/volume:Volume":
                this.log(`${key}: remove volume`);
                await run("docker", ["volume", "rm", "-f", i.name], undefined, env);
                return;
            case "docker:index/remoteImage:RemoteImage":
                if (!i.keepLocally) await run("docker", ["image", "rm", i.name], undefined, env);
                return;
            case "command:local:Command":
                if (i.delete) await this.script(nameOf(key), "delete", i.delete, i.stdin, i.environment);
                return;
            default:
                return;
        }
    }

    /** The provider's `wait`: poll the health status each second until healthy or the timeout. */
    private async waitHealthy(container: string, timeoutSeconds: number, env: Env): Promise<string | undefined> {
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
