// A real nginx on this machine running the platform's rendered config: host folders stand in for
// the container's, high 127.0.0.1 ports for 80/443/8081. Used by the nginx integration tests and the bench.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import * as net from "node:net";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { validateConfig } from "../../stacks/validate";
import type { PlatformConfig } from "../../stacks/schema";
import { renderNginxConfig } from "../../render/nginx/config";
import type { NginxRenderOptions } from "../../render/nginx/options";
import { deliverNginxConfigScript } from "../../render/nginx/deliver";
import { encodeBundle, ServerFile } from "../../render/bundle";
import { CERTS_DIR, NGINX_DIR, NGINX_LOGS_DIR, NGINX_STAGING_DIR, UPSTREAMS_DIR, mainConfig, upstreamFile } from "../../render/nginx/layout";
import { NGINX_CONTAINER } from "../../stacks/naming";
import { freePort } from "./ports";

export { freePort };


export interface Echo {
    readonly port: number;
    readonly server: http.Server;
    close(): Promise<void>;
}

/** A stand-in app service: answers JSON naming itself and the path and headers it received. */
export async function echoServer(name: string, cpuMicros = 0): Promise<Echo> {
    const server = http.createServer((req, res) => {
        // Optional busy work standing in for a real handler (bench only).
        for (const end = process.hrtime.bigint() + BigInt(cpuMicros * 1000); cpuMicros && process.hrtime.bigint() < end; );
        const body = JSON.stringify({ service: name, url: req.url, headers: req.headers });
        const type = req.url?.endsWith(".css") ? "text/css" : "application/json";
        res.writeHead(200, { "content-type": type, "cache-control": "private, max-age=5", "x-powered-by": "Express" });
        res.end(body);
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    return { port, server, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export interface Sandbox {
    readonly dir: string;
    /** Stands in for /opt/platform. */
    readonly root: string;
    readonly options: NginxRenderOptions;
    readonly ports: { http: number; https: number; status: number };
}

/** Temp folders and free ports; render options that point nginx at them. */
export async function sandbox(): Promise<Sandbox> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxytest-"));
    const root = path.join(dir, "platform");
    const ports = { http: await freePort(), https: await freePort(), status: await freePort() };
    for (const d of ["tmp", "webroot"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const options: NginxRenderOptions = {
        paths: {
            config: path.join(root, NGINX_DIR),
            staging: path.join(root, NGINX_STAGING_DIR),
            upstreams: path.join(root, UPSTREAMS_DIR),
            certs: path.join(root, CERTS_DIR),
            logs: path.join(root, NGINX_LOGS_DIR),
            acmeWebroot: path.join(dir, "webroot"),
        },
        listen: ports,
        publicHttpsPort: ports.https,
        pidFile: path.join(dir, "nginx.pid"),
        resolver: "127.0.0.1",
        // Running as root: workers as root too, so they can use the temp folder without chown games.
        user: process.getuid?.() === 0 ? "root root" : undefined,
        tempDir: path.join(dir, "tmp"),
        workerProcesses: process.env.NGINX_WORKERS ? Number(process.env.NGINX_WORKERS) : 1,
    };
    return { dir, root, options, ports };
}

export const config = (raw: Record<string, unknown>): PlatformConfig => validateConfig(raw);

export const app = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` },
    ...extra,
});

/** A `docker` on PATH that maps the delivery script's calls to the host nginx of the sandbox. */
export function dockerShim(sb: Sandbox): string {
    const bin = path.join(sb.dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/bash
# Test double for the delivery script's docker calls: ${NGINX_CONTAINER} is the sandbox nginx.
case "$1" in
  inspect) if [ -s '${sb.options.pidFile}' ] && kill -0 "$(cat '${sb.options.pidFile}')" 2>/dev/null; then echo true; else echo false; fi ;;
  exec) [ "$2" = '${NGINX_CONTAINER}' ] || { echo "shim: unknown container $2" >&2; exit 1; }; shift 2; exec "$@" ;;
  *) echo "shim: unsupported docker $*" >&2; exit 1 ;;
esac
`,
        { mode: 0o755 },
    );
    return bin;
}

/** Run the production delivery script (rendered for the sandbox's paths) with the docker shim. */
export function deliver(sb: Sandbox, cfg: PlatformConfig, edit: (files: ServerFile[]) => ServerFile[] = (f) => f) {
    const files = edit(renderNginxConfig(cfg, sb.options));
    const upstreamFiles = cfg.apps.flatMap((a) => [upstreamFile(a.name, "frontend"), upstreamFile(a.name, "backend")]);
    const text = deliverNginxConfigScript(sb.root, { upstreamFiles, domains: [cfg.domain, ...cfg.aliases], paths: sb.options.paths });
    const bin = dockerShim(sb);
    return spawnSync("/bin/bash", ["-c", text], {
        input: encodeBundle(files, NGINX_DIR),
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        timeout: 60_000,
    });
}

/** Deliver `cfg` with the production script and start nginx on it. */
export async function serve(sb: Sandbox, cfg: PlatformConfig): Promise<RunningNginx> {
    const d = deliver(sb, cfg);
    if (d.status !== 0) throw new Error(`delivering the nginx config failed (${d.status}): ${d.stderr}`);
    return startNginx(sb);
}

/** Point an app service's upstream at a port, as a release does. */
export function setUpstream(sb: Sandbox, appName: string, service: "frontend" | "backend", port: number) {
    fs.mkdirSync(sb.options.paths.upstreams, { recursive: true });
    fs.writeFileSync(path.join(sb.options.paths.upstreams, upstreamFile(appName, service)), `server 127.0.0.1:${port};\n`);
}

export interface RunningNginx {
    readonly proc: ChildProcess;
    stderr(): string;
    reload(): void;
    stop(): Promise<void>;
}

/**
 * Start nginx in the foreground on the live config folder and wait until it answers /health.
 * Ready means this nginx wrote its pid file (it does so only once every listener is bound) and
 * the answer is nginx's own: anything else on the port would pass a bare status check.
 */
export async function startNginx(sb: Sandbox): Promise<RunningNginx> {
    let err = "";
    const proc = spawn("nginx", ["-c", mainConfig(sb.options.paths.config), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr!.on("data", (d) => (err += d));
    const ownPid = () => {
        try {
            return fs.readFileSync(sb.options.pidFile, "utf8").trim() === String(proc.pid);
        } catch {
            return false;
        }
    };
    const answers = () =>
        fetch(`http://127.0.0.1:${sb.ports.http}/health`, { signal: AbortSignal.timeout(2_000) }).then(
            async (r) => r.ok && /^nginx/.test(r.headers.get("server") ?? "") && (await r.text()) === "ok\n",
            () => false,
        );
    const deadline = Date.now() + 10_000;
    for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`nginx exited (${proc.exitCode ?? proc.signalCode}): ${err}`);
        if (ownPid() && (await answers())) break;
        if (Date.now() > deadline) throw new Error(`nginx did not answer /health: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
    }
    return {
        proc,
        stderr: () => err,
        reload: () => {
            const r = spawnSync("nginx", ["-s", "reload", "-c", mainConfig(sb.options.paths.config)], { encoding: "utf8" });
            if (r.status !== 0) throw new Error(r.stderr);
        },
        stop: () =>
            new Promise((resolve) => {
                if (proc.exitCode !== null) return resolve();
                proc.once("exit", () => resolve());
                proc.kill("SIGQUIT");
            }),
    };
}

export function cleanup(sb: Sandbox) {
    fs.rmSync(sb.dir, { recursive: true, force: true });
}
