// The fake `docker` of the release script's shell tests (fake-docker/docker): its state file, the
// behaviour of each image, and what the script did to the containers. No Docker, no root.
import * as fs from "node:fs";
import * as path from "node:path";
import { NGINX_CONTAINER } from "../../config/naming";

/** How a container of an image behaves; unset fields: healthy at the first probe, reachable, running. */
export interface ImageBehaviour {
    /** Its health command fails this many times first. */
    readonly healthyAfterProbes?: number;
    readonly neverHealthy?: boolean;
    /** What a failing health command prints. */
    readonly healthOutput?: string;
    /** It exits (with exitCode) after answering this many health probes. */
    readonly exitAfterProbes?: number;
    /** It exits (with exitCode) this many seconds after it started. */
    readonly exitAfterSeconds?: number;
    /** It exits (with exitCode) once this file exists: the test decides when. */
    readonly exitWhenFile?: string;
    readonly exitCode?: number;
    /** Healthy inside, but nginx's probe through its slot times out. */
    readonly unreachable?: boolean;
    /** Its health check (Docker's and the command) fails from this many seconds after start. */
    readonly unhealthyAfterSeconds?: number;
    /** Its health check fails once this file exists. */
    readonly unhealthyWhenFile?: string;
    /**
     * Answers, but Docker reports "unhealthy" from a streak of checks that all started when the
     * container started (before the release's first probe passed): a check still in flight then.
     */
    readonly staleUnhealthyStreak?: boolean;
    /** Its output, for `docker logs`. */
    readonly logs?: string;
    /** It has no /bin/sh (`docker cp NAME:/bin/sh` fails). */
    readonly noShell?: boolean;
    /** `docker start` fails with this message (a port or mount Docker refuses). */
    readonly startFails?: string;
}

export interface FakeContainer {
    readonly name: string;
    readonly image: string;
    readonly labels: Record<string, string>;
    /** The variables the app sees (the plain env file, the loaded secret file, --env). */
    readonly env: string[];
    /** The variables `docker inspect` shows (Config.Env). */
    readonly inspectEnv: string[];
    readonly volumes: string[];
    readonly command: string[];
    readonly networks: Record<string, { aliases: string[]; ip: string }>;
    readonly status: "created" | "running" | "restarting" | "exited";
    readonly restartCount: number;
    readonly exitCode?: number;
    /** The grace of the `docker stop -t` it got, if any. */
    readonly stoppedWithGrace?: number;
    readonly nginx?: boolean;
}

interface State {
    serial: number;
    nextHost: number;
    images: Record<string, { id: string; local: boolean; pullable: boolean; behaviour: ImageBehaviour }>;
    containers: FakeContainer[];
    removed: (FakeContainer & { removedWhile: string })[];
    events: { name: string; code: number; at: number }[];
    calls: string[][];
    timeline: TimedCall[];
}

/** A call the fake answered: its argv, when it began (epoch ms) and its exit code. */
export interface TimedCall {
    readonly argv: string[];
    readonly at: number;
    readonly code: number;
}

const BIN = path.join(__dirname, "fake-docker");

export class FakeDocker {
    readonly stateFile: string;

    /** A Docker with mhylle-nginx running on `networks`, its status server on `statusPort`. */
    constructor(dir: string, statusPort: number, networks: string[]) {
        this.stateFile = path.join(dir, "docker-state.json");
        const nginx = { name: NGINX_CONTAINER, nginx: true, statusPort, attached: networks, status: "running", labels: { "com.mhylle.platform": "proxy" }, created: 0 };
        this.write({ serial: 1, nextHost: 2, images: {}, containers: [nginx as unknown as FakeContainer], removed: [], events: [], calls: [], timeline: [] });
    }

    /** Environment that puts the fake first on PATH. */
    env(): NodeJS.ProcessEnv {
        return { ...process.env, PATH: `${BIN}:${process.env.PATH}`, FAKE_DOCKER_STATE: this.stateFile };
    }

    /** An image present on the server (or only pullable from its registry) that behaves so. */
    image(ref: string, behaviour: ImageBehaviour = {}, where: { local?: boolean; pullable?: boolean } = {}): void {
        const s = this.read();
        const id = `sha256:${Buffer.from(ref).toString("hex").padEnd(64, "0").slice(0, 64)}`;
        s.images[ref] = { id, local: where.local ?? true, pullable: where.pullable ?? false, behaviour };
        this.write(s);
    }

    /** App containers (nginx aside), oldest first. */
    containers(): FakeContainer[] {
        return this.read().containers.filter((c) => !c.nginx);
    }

    container(name: string): FakeContainer | undefined {
        return this.containers().find((c) => c.name === name);
    }

    removed(): State["removed"] {
        return this.read().removed;
    }

    /** Calls the fake refused (exit 99): any means the script ran something the fake does not stand in for. */
    unsupported(): string {
        return fs.existsSync(`${this.stateFile}.unsupported`) ? fs.readFileSync(`${this.stateFile}.unsupported`, "utf8") : "";
    }

    calls(): string[][] {
        return this.read().calls;
    }

    timeline(): TimedCall[] {
        return this.read().timeline;
    }

    private read(): State {
        return JSON.parse(fs.readFileSync(this.stateFile, "utf8"));
    }

    private write(s: State): void {
        fs.writeFileSync(this.stateFile, JSON.stringify(s, null, 1));
    }
}
