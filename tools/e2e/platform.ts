// The platform on this machine's Docker engine, driven from what the program declares.
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { buildPoolerImageScript, poolerDockerfile } from "../../render/database/pooler-image";
import { ComputeOutputs, record, RecordedResource, RecordOptions } from "../record";
import { readStackFile } from "../../config/stack-file";
import { validateConfig } from "../../config/validate";
import type { PlatformConfig } from "../../config/schema";
import { Applier, ApplyResult, run, Step } from "./applier";
import { CERTBOT_VOLUME, CORE_NETWORK, DATABASE_NETWORK, PLATFORM_LABEL, POSTGRES_VOLUME, appDatabaseNetwork, appNetwork, serviceBaseName } from "../../config/naming";

export type RawConfig = Record<string, any>;

/**
 * What the real providers hand back for images, at the moment the engine would create them: the
 * ID of a local image (no registry here), and for a build, the image it builds (DOCKER_BUILDKIT=0:
 * this Docker has no buildx; PLATFORM_BUILD_ARGS adds build arguments such as the local base image).
 */
export const realOutputs: ComputeOutputs = (type, _name, inputs) => {
    if (type === "docker:index/remoteImage:RemoteImage") {
        const id = execFileSync("docker", ["image", "inspect", "-f", "{{.Id}}", inputs.name], { encoding: "utf8" }).trim();
        return { imageId: id, repoDigest: inputs.name };
    }
    if (type === "docker:index/image:Image") {
        const b = inputs.build ?? {};
        const extra: Record<string, string> = JSON.parse(process.env.PLATFORM_BUILD_ARGS ?? "{}");
        const args = Object.entries({ ...(b.args ?? {}), ...extra }).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
        execFileSync("docker", ["build", "-q", "-t", inputs.imageName, ...(b.dockerfile ? ["-f", b.dockerfile] : []), ...args, b.context ?? "."], { env: { ...process.env, DOCKER_BUILDKIT: "0" }, stdio: ["ignore", "ignore", "inherit"] });
        const id = execFileSync("docker", ["image", "inspect", "-f", "{{.Id}}", inputs.imageName], { encoding: "utf8" }).trim();
        return { imageName: inputs.imageName, repoDigest: id };
    }
    return undefined;
};

/**
 * Images the program builds on the server by a command (the pooler's, render/database/pooler-image.ts),
 * built here by the same script before the program runs: the double reads every RemoteImage's ID
 * when the program declares it, where the engine reads it after the build command ran.
 */
function buildServerImages(cfg: PlatformConfig): void {
    const r = spawnSync("bash", ["-c", buildPoolerImageScript(cfg.images.pgbouncer)], { input: poolerDockerfile(), encoding: "utf8", env: { ...process.env, DOCKER_BUILDKIT: "0" } });
    if (r.status !== 0) throw new Error(`building the pooler's image on ${cfg.images.pgbouncer} failed: ${r.stderr}`);
}

export class LocalPlatform {
    readonly raw: RawConfig;
    readonly cfg: PlatformConfig;
    readonly root: string;
    private readonly applier: Applier;
    /** What the last apply declared (mock outputs included, e.g. generated passwords). */
    resources: RecordedResource[] = [];

    /** @param secrets secret config values (e.g. the managed database stand-in's admin password). */
    constructor(
        readonly configFile: string,
        readonly log: (line: string) => void = () => undefined,
        private readonly secrets: Record<string, string> = {},
    ) {
        this.raw = readStackFile(configFile).raw;
        this.cfg = validateConfig(this.raw);
        if (this.cfg.target !== "local") throw new Error(`${configFile}: the end-to-end run needs target: local (got ${this.cfg.target})`);
        this.root = path.resolve(this.cfg.local.dataDir);
        // The engine double's state lives outside the data folder, as Pulumi's state does.
        this.applier = new Applier(path.join(os.tmpdir(), "mhylle-platform-e2e", `${createHash("sha256").update(path.resolve(configFile)).digest("hex").slice(0, 12)}.json`), log);
    }

    /** HTTPS as users reach it (HTTP redirects there); the certificate is the bootstrap one. */
    get baseUrl(): string {
        return `https://127.0.0.1:${this.cfg.proxy.httpsPort}`;
    }

    /** `pulumi up` with this config, or with a changed copy of it. */
    async up(change: (raw: RawConfig) => void = () => undefined): Promise<ApplyResult> {
        this.resources = await this.declare(change);
        return this.applier.apply(this.resources);
    }

    /**
     * `pulumi preview`: what `up` would do with this config, nothing applied. The program runs as in a
     * preview: what is created has unknown computed outputs, what is kept or updated in place its
     * outputs in state (docs/engine-notes.md section 11).
     */
    async preview(change: (raw: RawConfig) => void = () => undefined): Promise<Step[]> {
        return this.applier.preview(await this.declare(change, { prior: this.applier.prior }));
    }

    private async declare(change: (raw: RawConfig) => void, preview?: RecordOptions["preview"]): Promise<RecordedResource[]> {
        const raw = structuredClone(this.raw);
        change(raw);
        buildServerImages(validateConfig(raw));
        const { program } = await import("../../stacks/program");
        return (await record(raw, () => program(), { outputs: realOutputs, secrets: this.secrets, preview })).resources;
    }

    /** A generated secret the program declared, e.g. an app's database password. */
    generated(name: string): string {
        const r = this.resources.find((x) => x.name === name);
        if (!r || typeof r.state.result !== "string") throw new Error(`no generated value ${name}`);
        return r.state.result;
    }

    /** `pulumi destroy`, as the engine would run it. */
    destroy(): Promise<ApplyResult> {
        return this.applier.destroy();
    }

    /**
     * The platform's containers on this engine: its labelled core containers and its apps' services.
     * Only those: other tests may label stand-ins of theirs the same way while this one runs.
     */
    private async ownContainers(): Promise<string[]> {
        const names = (await run("docker", ["ps", "-a", "--filter", `label=${PLATFORM_LABEL}`, "--format", "{{.Names}}"])).stdout.split("\n").filter(Boolean);
        const services = this.cfg.apps.flatMap((a) => [serviceBaseName(a.name, "frontend"), serviceBaseName(a.name, "backend")]);
        return names.filter((n) => n.startsWith("mhylle-") || services.some((s) => n.startsWith(`${s}-`)));
    }

    /** What the platform made that is still here: containers, networks, volumes, the data folder. */
    async leftovers() {
        const list = async (args: string[]) => (await run("docker", args)).stdout.split("\n").filter(Boolean);
        const networks = [CORE_NETWORK, DATABASE_NETWORK, ...this.cfg.apps.flatMap((a) => [appNetwork(a.name), appDatabaseNetwork(a.name)])];
        return {
            containers: await this.ownContainers(),
            networks: (await list(["network", "ls", "--format", "{{.Name}}"])).filter((n) => networks.includes(n)),
            volumes: (await list(["volume", "ls", "--format", "{{.Name}}"])).filter((v) => [POSTGRES_VOLUME, CERTBOT_VOLUME].includes(v)),
            dataFolder: fs.existsSync(this.root),
        };
    }

    /** Removes everything, whatever state says: a clean slate before a run. */
    async down(): Promise<void> {
        await this.applier.destroy();
        const leftovers = await this.ownContainers();
        if (leftovers.length) await run("docker", ["rm", "-f", ...leftovers]);
        for (const n of [CORE_NETWORK, DATABASE_NETWORK, ...this.cfg.apps.flatMap((a) => [appNetwork(a.name), appDatabaseNetwork(a.name)])]) await run("docker", ["network", "rm", n]);
        for (const v of [POSTGRES_VOLUME, CERTBOT_VOLUME]) await run("docker", ["volume", "rm", v]);
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
