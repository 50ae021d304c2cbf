// The platform on this machine's Docker engine, driven from what the program declares.
import * as fs from "node:fs";
import * as path from "node:path";
import { record, RecordedResource } from "../record";
import { readStackFile } from "../../stacks/stack-file";
import { validateConfig } from "../../stacks/validate";
import type { PlatformConfig } from "../../stacks/schema";
import { Applier, ApplyResult, run } from "./applier";
import { PLATFORM_LABEL } from "../../components/hardening";
import { CERTBOT_VOLUME, CORE_NETWORK, DATABASE_NETWORK, POSTGRES_VOLUME, appNetwork } from "../../stacks/naming";

export type RawConfig = Record<string, any>;

export class LocalPlatform {
    readonly raw: RawConfig;
    readonly cfg: PlatformConfig;
    readonly root: string;
    private readonly applier: Applier;
    /** What the last apply declared (mock outputs included, e.g. generated passwords). */
    resources: RecordedResource[] = [];

    constructor(readonly configFile: string, readonly log: (line: string) => void = () => undefined) {
        this.raw = readStackFile(configFile).raw;
        this.cfg = validateConfig(this.raw);
        if (this.cfg.target !== "local") throw new Error(`${configFile}: the end-to-end run needs target: local (got ${this.cfg.target})`);
        this.root = path.resolve(this.cfg.local.dataDir);
        fs.mkdirSync(this.root, { recursive: true });
        this.applier = new Applier(path.join(this.root, ".e2e-state.json"), log);
    }

    /** HTTPS as users reach it (HTTP redirects there); the certificate is the bootstrap one. */
    get baseUrl(): string {
        return `https://127.0.0.1:${this.cfg.proxy.httpsPort}`;
    }

    /** `pulumi up` with this config, or with a changed copy of it. */
    async up(change: (raw: RawConfig) => void = () => undefined): Promise<ApplyResult> {
        const raw = structuredClone(this.raw);
        change(raw);
        const { program } = await import("../../stacks/program");
        const { resources } = await record(raw, () => program());
        this.resources = resources;
        return this.applier.apply(resources);
    }

    /** A generated secret the program declared, e.g. an app's database password. */
    generated(name: string): string {
        const r = this.resources.find((x) => x.name === name);
        if (!r || typeof r.state.result !== "string") throw new Error(`no generated value ${name}`);
        return r.state.result;
    }

    /** Removes everything: containers (app releases included), networks, volumes, the data folder. */
    async down(): Promise<void> {
        await this.applier.destroy();
        const leftovers = (await run("docker", ["ps", "-aq", "--filter", `label=${PLATFORM_LABEL}`])).stdout.split("\n").filter(Boolean);
        if (leftovers.length) await run("docker", ["rm", "-f", ...leftovers]);
        for (const n of [CORE_NETWORK, DATABASE_NETWORK, ...this.cfg.apps.map((a) => appNetwork(a.name))]) await run("docker", ["network", "rm", n]);
        for (const v of [POSTGRES_VOLUME, CERTBOT_VOLUME]) await run("docker", ["volume", "rm", v]);
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
