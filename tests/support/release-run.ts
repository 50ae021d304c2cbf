// Runs the release script exactly as production renders it (render/app/release.ts) against the
// fake docker (fake-docker.ts), on a platform root in a temp folder. No Docker, no root.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { validateConfig } from "../../config/validate";
import { Color, ServiceKind, slotAlias } from "../../config/naming";
import { containerSpec } from "../../render/app/container-spec";
import { ReleaseInput, finalPhaseScript, pendingFile, preparePhaseScript, releaseScript } from "../../render/app/release";
import { NGINX_LOGS_DIR, UPSTREAMS_DIR, liveMarker } from "../../render/nginx/layout";
import { FakeContainer, FakeDocker, ImageBehaviour } from "./fake-docker";

export const APP = "app1";
export const SERVICE: ServiceKind = "backend";
const cfg = validateConfig({ apps: [{ name: APP, frontend: { image: "local/app1-frontend:1" }, backend: { image: "local/app1-backend:1" } }] });
const app = cfg.apps[0];
export const spec = containerSpec(app, SERVICE, cfg.autoUpdater.scope);

/** Short gates and watch, so each scenario takes seconds. */
export const FAST = { healthTimeoutSeconds: 3, reachTimeoutSeconds: 2, watchSeconds: 0, drainSeconds: 7 } as const;

export type Overrides = Partial<Omit<ReleaseInput, "root" | "app" | "service" | "spec" | "image">>;

export interface Outcome {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** The JSON line on stdout, if any. */
    readonly json?: Record<string, unknown>;
    /** Wall-clock seconds the script ran (for generous bounds only). */
    readonly seconds: number;
}

export interface Running {
    readonly pid: number;
    readonly done: Promise<Outcome>;
}

export const V1 = "local/app1-backend:1";
export const V2 = "local/app1-backend:2";

/** A server where V1 serves, released the production way (so it holds the green slot). */
export async function serving(dir: string): Promise<Server> {
    const s = new Server(dir);
    s.image(V1);
    const r = await s.release(V1);
    if (r.code !== 0) throw new Error(`setup: the release of ${V1} failed: ${r.stderr}`);
    return s;
}

/** `docker stop` calls the script made for a container. */
export const stopsOf = (s: Server, name: string) => s.docker.calls().filter((c) => c[0] === "stop" && c[c.length - 1] === name);

/** A platform root with nginx running (fake) on the app's network and an empty access log. */
export class Server {
    readonly root: string;
    readonly docker: FakeDocker;
    readonly marker: string;
    readonly accessLog: string;

    constructor(dir: string) {
        this.root = path.join(dir, "platform");
        this.docker = new FakeDocker(dir, cfg.proxy.statusPort, [spec.network, ...spec.extraNetworks]);
        this.marker = path.join(this.root, UPSTREAMS_DIR, liveMarker(APP, SERVICE));
        this.accessLog = path.join(this.root, NGINX_LOGS_DIR, "access.log");
        fs.mkdirSync(path.dirname(this.accessLog), { recursive: true });
        fs.writeFileSync(this.accessLog, "");
    }

    /** The slot nginx routes the service to: the marker file's presence. */
    liveColor(): Color {
        return fs.existsSync(this.marker) ? "green" : "blue";
    }

    private input(image: string, overrides: Overrides): ReleaseInput {
        return { root: this.root, app: APP, service: SERVICE, spec, image, statusPort: cfg.proxy.statusPort, ...app.release, ...FAST, ...overrides };
    }

    /** Starts a release of `image` (stdin: the service's env file); resolves when it ends. */
    start(image: string, overrides: Overrides = {}): Running {
        return this.run("release.sh", releaseScript(this.input(image, overrides)));
    }

    release(image: string, overrides: Overrides = {}): Promise<Outcome> {
        return this.start(image, overrides).done;
    }

    /**
     * One phase of a release over several servers, as the coordinator runs it on this server
     * (render/app/rollout.ts): prepare `image`, then finish or revert.
     */
    phase(phase: "prepare", image: string, overrides?: Overrides): Promise<Outcome>;
    phase(phase: "finish" | "revert"): Promise<Outcome>;
    phase(phase: "prepare" | "finish" | "revert", image = V1, overrides: Overrides = {}): Promise<Outcome> {
        const r = this.input(image, overrides);
        if (phase === "prepare") return this.run("prepare.sh", preparePhaseScript(r)).done;
        return this.run("phase.sh", finalPhaseScript(r), [phase]).done;
    }

    /** The file that keeps a release in phases between prepare and finish or revert. */
    get pending(): string {
        return path.join(this.root, pendingFile(APP, SERVICE));
    }

    private run(name: string, script: string, args: string[] = []): Running {
        const file = path.join(path.dirname(this.root), name);
        fs.writeFileSync(file, script);
        const began = Date.now();
        const child = spawn("bash", [file, ...args], { env: this.docker.env(), stdio: ["pipe", "pipe", "pipe"], detached: true });
        child.stdin.end("DATABASE_PASSWORD=not-a-real-secret\nPORT=3000\n");
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const done = new Promise<Outcome>((resolve, reject) =>
            child.on("close", (code) => {
                const refused = this.docker.unsupported();
                if (refused) return reject(new Error(`the release ran docker commands the fake does not implement:\n${refused}`));
                const line = stdout.trim().split("\n").filter(Boolean).pop();
                resolve({ code, stdout, stderr, json: line ? JSON.parse(line) : undefined, seconds: (Date.now() - began) / 1000 });
            }),
        );
        return { pid: child.pid!, done };
    }

    /** An image the server has, behaving as given. */
    image(ref: string, behaviour: ImageBehaviour = {}): string {
        this.docker.image(ref, behaviour);
        return ref;
    }

    containersOf(image: string): FakeContainer[] {
        return this.docker.containers().filter((c) => c.image === image);
    }

    /** The one container of `image`, failing the test when there is not exactly one. */
    only(image: string): FakeContainer {
        const found = this.containersOf(image);
        if (found.length !== 1) throw new Error(`expected one container of ${image}, found ${found.map((c) => c.name).join(", ") || "none"}`);
        return found[0];
    }

    /** IP:PORT nginx logs as upstream_addr for a container (its address on the app network). */
    upstreamAddr(c: FakeContainer): string {
        return `${c.networks[spec.network].ip}:${spec.port}`;
    }

    append(lines: string): void {
        fs.appendFileSync(this.accessLog, lines);
    }

    /** Waits until nginx routes to a running container of `image` (the marker switched to its slot). */
    async switchedTo(image: string, timeoutMs = 20_000): Promise<FakeContainer> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const c = this.containersOf(image).find((x) => x.status === "running");
            if (c && c.networks[spec.network].aliases.includes(slotAlias(APP, SERVICE, this.liveColor()))) return c;
            if (Date.now() > deadline) throw new Error(`nginx never routed to ${image}`);
            await new Promise((r) => setTimeout(r, 50));
        }
    }

    /** A file's identity and content, to tell whether a release touched it. */
    markerState(): string {
        if (!fs.existsSync(this.marker)) return "absent";
        const s = fs.statSync(this.marker);
        return `ino ${s.ino} mtime ${s.mtimeMs}`;
    }
}
