// The nginx every test runs: local/nginx:1.30 (Debian sid's nginx, the line production's
// nginx:1.30 image runs; tests/support/images/build-nginx.sh), as a container on the host's
// network with a sandbox folder bind-mounted at the same path, so host paths and 127.0.0.1 ports
// in the rendered config mean the same inside and out. Its master runs as root and its workers as
// `nginx` (uid 101), as in production.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync, ChildProcess, SpawnSyncReturns } from "node:child_process";
import { NGINX_CONTAINER, NGINX_ROLE, NGINX_SERVER, PLATFORM_LABEL } from "../../config/naming";

export const NGINX_IMAGE = process.env.PLATFORM_TEST_NGINX_IMAGE ?? "local/nginx:1.30";

/** Where a container runs nginx: its name, the folder mounted at the same path, nginx's files in it. */
export interface NginxHost {
    readonly container: string;
    readonly dir: string;
    readonly mainConfig: string;
    readonly pidFile: string;
    /** The port that answers /health once nginx is up. */
    readonly healthPort: number;
}

const docker = (args: string[], timeout = 60_000): SpawnSyncReturns<string> => spawnSync("docker", args, { encoding: "utf8", timeout });

/** `nginx ARGS` in a throwaway container of the image, e.g. `nginx -t -c ...`: status, stdout, stderr. */
export function nginxOnce(args: string[], mounts: readonly (readonly [string, string])[]): SpawnSyncReturns<string> {
    const volumes = mounts.flatMap(([host, inside]) => ["-v", `${host}:${inside}`]);
    return docker(["run", "--rm", "--network", "none", ...volumes, NGINX_IMAGE, "nginx", ...args]);
}

export interface RunningNginx {
    /** The nginx master's pid on this machine (for /proc). */
    readonly masterPid: number;
    stderr(): string;
    reload(): void;
    stop(): Promise<void>;
}

/** Host pids of a process's children. */
function children(pid: number): number[] {
    try {
        return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return [];
    }
}

/** A host pid as the container sees it (the last NSpid). */
function pidInContainer(hostPid: number): string | undefined {
    try {
        return /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${hostPid}/status`, "utf8"))?.[1].trim().split(/\s+/).pop();
    } catch {
        return undefined;
    }
}

/**
 * The nginx master's host pid once the pid file names it: dumb-init (the container's init) has one
 * child, nginx's master, which writes the pid file only once every listener is bound.
 */
function ownMaster(host: NginxHost): number | undefined {
    const init = Number(docker(["inspect", "-f", "{{.State.Pid}}", host.container], 10_000).stdout?.trim());
    if (!init) return undefined;
    const [master] = children(init);
    let written: string;
    try {
        written = fs.readFileSync(host.pidFile, "utf8").trim();
    } catch {
        return undefined;
    }
    return master && pidInContainer(master) === written ? master : undefined;
}

/**
 * Start nginx in a container on `host.mainConfig` and wait until it answers /health. Ready means
 * this container's nginx wrote its pid file and the answer is nginx's own: anything else on the
 * port would pass a bare status check.
 */
export async function startNginx(host: NginxHost): Promise<RunningNginx> {
    fs.rmSync(host.pidFile, { force: true });
    docker(["rm", "-f", host.container]);
    let err = "";
    // Attached, so nginx's stderr is ours; --rm, so it is gone once stopped.
    const proc: ChildProcess = spawn(
        "docker",
        ["run", "--rm", "--name", host.container, "--label", "nginxtest=1", "--network", "host", "-v", `${host.dir}:${host.dir}`,
            NGINX_IMAGE, "nginx", "-c", host.mainConfig, "-g", "daemon off;"],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    proc.stderr!.on("data", (d) => (err += d));
    const answers = () =>
        fetch(`http://127.0.0.1:${host.healthPort}/health`, { signal: AbortSignal.timeout(2_000) }).then(
            async (r) => r.ok && /^nginx/.test(r.headers.get("server") ?? "") && (await r.text()) === "ok\n",
            () => false,
        );
    const deadline = Date.now() + 30_000;
    let masterPid: number | undefined;
    for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`nginx exited (${proc.exitCode ?? proc.signalCode}): ${err}`);
        masterPid ??= ownMaster(host);
        if (masterPid && (await answers())) break;
        if (Date.now() > deadline) throw new Error(`nginx did not answer /health: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
    }
    return {
        masterPid,
        stderr: () => err,
        reload: () => {
            const r = docker(["exec", host.container, "nginx", "-s", "reload", "-c", host.mainConfig]);
            if (r.status !== 0) throw new Error(r.stderr);
        },
        // docker stop as in production: dumb-init turns its SIGTERM into nginx's graceful SIGQUIT.
        // Not spawnSync: in-flight requests may wait on echo servers living on this event loop.
        stop: () =>
            new Promise((resolve) => {
                if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
                proc.once("exit", () => resolve());
                spawn("docker", ["stop", "-t", "20", host.container], { stdio: "ignore" });
            }),
    };
}

/** Remove the container if a test left it running (it holds the sandbox's ports). */
export function removeNginx(host: Pick<NginxHost, "container">) {
    docker(["rm", "-f", host.container]);
}

/**
 * A `docker` on PATH for the production scripts under test: `docker inspect|exec mhylle-nginx`
 * (the holder, whose namespace nginx shares) and `mhylle-nginx-server-sandbox`, the one nginx
 * `docker ps` lists by its label, reach this container instead; anything else fails loudly.
 */
export function dockerShim(host: NginxHost): string {
    const real = spawnSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).stdout.trim();
    const bin = path.join(host.dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/bash
# Test double for the scripts' docker calls: ${NGINX_CONTAINER} is the sandbox's nginx container.
fail() { echo "shim: unsupported docker $*" >&2; exit 1; }
server='${NGINX_SERVER}-sandbox'
case "$1" in
  ps) [ "$*" = 'ps --filter label=${PLATFORM_LABEL}=${NGINX_ROLE} --format {{.Names}}' ] || fail "$@"
      [ "$('${real}' inspect -f '{{.State.Running}}' '${host.container}' 2>/dev/null)" = true ] && echo "$server"
      exit 0 ;;
  inspect) [ "\${*: -1}" = '${NGINX_CONTAINER}' ] || [ "\${*: -1}" = "$server" ] || fail "$@" ;;
  exec) [ "$2" = '${NGINX_CONTAINER}' ] || [ "$2" = "$server" ] || fail "$@" ;;
  *) fail "$@" ;;
esac
args=()
for a in "$@"; do if [ "$a" = '${NGINX_CONTAINER}' ] || [ "$a" = "$server" ]; then args+=('${host.container}'); else args+=("$a"); fi; done
exec '${real}' "\${args[@]}"
`,
        { mode: 0o755 },
    );
    return bin;
}
