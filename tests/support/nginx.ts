// The platform's rendered nginx config on a real nginx: production's line in a container
// (nginx-container.ts), with sandbox folders standing in for the container's and high 127.0.0.1
// ports for 80/443/8081. Used by the nginx and TLS integration tests and the bench.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import * as net from "node:net";
import { spawnSync } from "node:child_process";
import { validateConfig } from "../../config/validate";
import type { PlatformConfig } from "../../config/schema";
import { renderNginxConfig } from "../../render/nginx/config";
import { NginxRenderOptions, productionOptions } from "../../render/nginx/options";
import { deliverNginxConfigScript } from "../../render/nginx/deliver";
import { encodeBundle, ServerFile } from "../../render/bundle";
import { CERTS_DIR, IN_CONTAINER, NGINX_DIR, NGINX_LOGS_DIR, NGINX_STAGING_DIR, UPSTREAMS_DIR, liveMarker, mainConfig } from "../../render/nginx/layout";
import { Color, ServiceKind, slotAlias } from "../../config/naming";
import { STATUS_PAGE_DIR } from "../../render/monitoring/layout";
import { Dns, startDns } from "./dns";
import { NginxHost, RunningNginx, dockerShim, nginxOnce, removeNginx, startNginx } from "./nginx-container";
import { freePort } from "./ports";

export { freePort, dockerShim, startNginx, productionOptions };
export type { RunningNginx };
export { NGINX_IMAGE } from "./nginx-container";

export interface Echo {
    readonly port: number;
    readonly server: http.Server;
    close(): Promise<void>;
}

/** A stand-in app service: answers JSON naming itself and the path and headers it received. */
export async function echoServer(name: string, cpuMicros = 0, host = "127.0.0.1", listenPort = 0): Promise<Echo> {
    const server = http.createServer((req, res) => {
        // Optional busy work standing in for a real handler (bench only).
        for (const end = process.hrtime.bigint() + BigInt(cpuMicros * 1000); cpuMicros && process.hrtime.bigint() < end; );
        const body = JSON.stringify({ service: name, url: req.url, headers: req.headers, address: req.socket.localAddress });
        const type = req.url?.endsWith(".css") ? "text/css" : "application/json";
        res.writeHead(200, { "content-type": type, "cache-control": "private, max-age=5", "x-powered-by": "Express" });
        res.end(body);
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(listenPort, host, r));
    const port = (server.address() as net.AddressInfo).port;
    return { port, server, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** A platform root in a temp folder, and the container that runs nginx on it (nginx-container.ts). */
export interface Sandbox extends NginxHost {
    readonly dir: string;
    /** Stands in for /opt/platform. */
    readonly root: string;
    readonly options: NginxRenderOptions;
    /** nginx's ports, and the ports every app's frontend and backend listen on (h.app sets them). */
    readonly ports: { http: number; https: number; status: number; statusPage: number; frontend: number; backend: number };
    /** Stands in for Docker's DNS: each slot's alias resolves to its stand-in's loopback address. */
    readonly dns: Dns;
}

/** Temp folders and free ports; render options that point nginx at them. */
export async function sandbox(): Promise<Sandbox> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxytest-"));
    // nginx's workers run as uid 101: they must reach the ACME webroot under it.
    fs.chmodSync(dir, 0o755);
    const root = path.join(dir, "platform");
    const ports = { http: await freePort(), https: await freePort(), status: await freePort(), statusPage: await freePort(), frontend: await freePort(), backend: await freePort() };
    const dns = await startDns(await freePort());
    fs.mkdirSync(path.join(dir, "webroot"), { recursive: true });
    const options: NginxRenderOptions = {
        paths: {
            config: path.join(root, NGINX_DIR),
            staging: path.join(root, NGINX_STAGING_DIR),
            upstreams: path.join(root, UPSTREAMS_DIR),
            certs: path.join(root, CERTS_DIR),
            logs: path.join(root, NGINX_LOGS_DIR),
            acmeWebroot: path.join(dir, "webroot"),
            statusPage: path.join(root, STATUS_PAGE_DIR),
        },
        listen: { http: ports.http, https: ports.https, status: ports.status, statusPage: ports.statusPage },
        publicHttpsPort: ports.https,
        pidFile: path.join(dir, "nginx.pid"),
        resolver: `127.0.0.1:${dns.port}`,
        user: "nginx",
        workerProcesses: process.env.NGINX_WORKERS ? Number(process.env.NGINX_WORKERS) : 1,
    };
    // The container is named after the sandbox (mkdtemp's suffix is letters and digits).
    const container = path.basename(dir);
    return { dir, root, options, ports, dns, container, mainConfig: mainConfig(options.paths.config), pidFile: options.pidFile, healthPort: ports.http };
}

export const config = (raw: Record<string, unknown>): PlatformConfig => validateConfig(raw);

/** An app's config; in a sandbox its services listen on the sandbox's ports (each slot its own address). */
export const app = (name: string, extra: Record<string, any> = {}, sb?: Sandbox) => ({
    name,
    ...extra,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0`, ...(sb ? { port: sb.ports.frontend } : {}), ...extra.frontend },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0`, ...(sb ? { port: sb.ports.backend } : {}), ...extra.backend },
});

/**
 * Run the production delivery script (rendered for `options`, the sandbox's by default) with the
 * docker shim: while the sandbox's nginx runs, it tests and reloads that nginx.
 */
export function deliver(sb: Sandbox, cfg: PlatformConfig, edit: (files: ServerFile[]) => ServerFile[] = (f) => f, options = sb.options) {
    const files = edit(renderNginxConfig(cfg, options));
    const text = deliverNginxConfigScript(sb.root, { domains: [cfg.domain, ...cfg.aliases], paths: options.paths });
    const bin = dockerShim(sb);
    return spawnSync("/bin/bash", ["-c", text], {
        input: encodeBundle(files, NGINX_DIR),
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        timeout: 60_000,
    });
}

/** `nginx -t` of the sandbox's config folder `dir` (the live one by default), nginx not running. */
export function nginxTest(sb: Sandbox, dir = sb.options.paths.config) {
    return nginxOnce(["-t", "-c", mainConfig(dir)], [[sb.dir, sb.dir]]);
}

/** `nginx -t` of a config delivered with productionOptions: the sandbox's folders where the proxy container mounts them. */
export function nginxTestAsProduction(sb: Sandbox) {
    const mounts = [
        [NGINX_DIR, IN_CONTAINER.config],
        [NGINX_STAGING_DIR, IN_CONTAINER.staging],
        [UPSTREAMS_DIR, IN_CONTAINER.upstreams],
        [CERTS_DIR, IN_CONTAINER.certs],
        [NGINX_LOGS_DIR, IN_CONTAINER.logs],
        [STATUS_PAGE_DIR, IN_CONTAINER.statusPage],
    ].map(([dir, inside]) => [path.join(sb.root, dir), inside] as const);
    return nginxOnce(["-t", "-c", mainConfig(IN_CONTAINER.config)], [...mounts, [sb.options.paths.acmeWebroot, IN_CONTAINER.acmeWebroot]]);
}

/** Deliver `cfg` with the production script and start nginx on it. */
export async function serve(sb: Sandbox, cfg: PlatformConfig): Promise<RunningNginx> {
    const d = deliver(sb, cfg);
    if (d.status !== 0) throw new Error(`delivering the nginx config failed (${d.status}): ${d.stderr}`);
    return startNginx(sb);
}

let nextAddress = 1;

/**
 * A stand-in for the container in an app service's slot, as a release starts it: an echo server on
 * a loopback address of its own, at the service's port, that the slot's alias resolves to.
 */
export async function slot(sb: Sandbox, appName: string, service: ServiceKind, color: Color = "blue", cpuMicros = 0): Promise<Echo> {
    const address = `127.0.${Math.floor(nextAddress / 250) + 1}.${(nextAddress++ % 250) + 1}`;
    const echo = await echoServer(`${appName}-${service}`, cpuMicros, address, sb.ports[service]);
    sb.dns.set(slotAlias(appName, service, color), address);
    return echo;
}

/** Make `color` the live slot of a service: the file a release creates or removes. */
export function switchTo(sb: Sandbox, appName: string, service: ServiceKind, color: Color) {
    const marker = path.join(sb.options.paths.upstreams, liveMarker(appName, service));
    fs.mkdirSync(sb.options.paths.upstreams, { recursive: true });
    if (color === "green") fs.writeFileSync(marker, "");
    else fs.rmSync(marker, { force: true });
}

export function cleanup(sb: Sandbox) {
    removeNginx(sb);
    void sb.dns.close();
    fs.rmSync(sb.dir, { recursive: true, force: true });
}
