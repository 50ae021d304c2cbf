// Shared by the operations tests: a throwaway platform root with the ops scripts installed exactly
// as production renders them, and opstest-* containers standing in for mhylle-*.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needsImages } from "./requirements";
import { NGINX_IMAGE } from "./nginx-container";
import { validateConfig } from "../../config/validate";
import { productionTargets, type OpsTargets } from "../../render/backup/layout";
import { backupSchedule } from "../../render/backup/jobs";
import { monitoringSchedule } from "../../render/monitoring/jobs";
import { jobFiles, type BinCommand, type ScheduledJob } from "../../render/schedule";
import type { PlatformConfig } from "../../config/schema";
import { ACCESS_LOG_FLUSH_SECONDS } from "../../render/nginx/layout";

export { needsImages, NGINX_IMAGE, productionTargets };

/** One server's operations jobs and commands with its PostgreSQL container, as its Backups and Monitoring declare them. */
export function opsSchedule(cfg: PlatformConfig, t: OpsTargets): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    const backups = backupSchedule(t, cfg.backups, { postgresContainer: true });
    const monitoring = monitoringSchedule(cfg, t, { postgresContainer: true, backups: cfg.backups.enabled });
    return { jobs: [...backups.jobs, ...monitoring.jobs], commands: [...backups.commands, ...monitoring.commands] };
}

/** Long enough for nginx to have flushed its buffered access log. */
export const afterFlush = () => spawnSync("sleep", [String(ACCESS_LOG_FLUSH_SECONDS + 0.5)]);

export const POSTGRES_IMAGE = process.env.PLATFORM_TEST_POSTGRES_IMAGE ?? "local/postgres:15";
export const BACKEND_IMAGE = process.env.PLATFORM_TEST_BACKEND_IMAGE ?? "local/demo/backend:1";
export const BROKEN_BACKEND_IMAGE = process.env.PLATFORM_TEST_BROKEN_BACKEND_IMAGE ?? "local/demo/backend:broken";


export interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export function sh(cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string; timeout?: number } = {}): Run {
    const r = spawnSync(cmd, args, { env: { ...process.env, ...opts.env }, input: opts.input, encoding: "utf8", timeout: opts.timeout ?? 120_000 });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function ok(cmd: string, args: string[], opts: Parameters<typeof sh>[2] = {}): string {
    const r = sh(cmd, args, opts);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout;
}

/** A temp platform root with bin/ installed from the production rendering of `raw` config. */
export function opsRoot(raw: Record<string, unknown> = {}): { root: string; cfg: PlatformConfig; env: Record<string, string>; cleanup(): void } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-root-"));
    const cfg = validateConfig(raw);
    const { jobs, commands } = opsSchedule(cfg, productionTargets("/opt/platform"));
    // run-job is the scheduler's; rendered for this root, it runs the production job scripts.
    for (const f of jobFiles(root, jobs, commands)) {
        fs.mkdirSync(path.join(root, "bin"), { recursive: true });
        fs.writeFileSync(path.join(root, "bin", f.path), f.content, { mode: parseInt(f.mode ?? "0644", 8) });
    }
    return { root, cfg, env: { PLATFORM_ROOT: root }, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export function removeContainers(...names: string[]) {
    spawnSync("docker", ["rm", "-f", ...names], { stdio: "ignore" });
}

/** Starts a postgres like mhylle-postgres (image, superuser) and waits until it accepts connections. */
export function startPostgres(name: string): void {
    removeContainers(name);
    ok("docker", ["run", "-d", "--name", name, "--label", "opstest=1", "-e", "POSTGRES_PASSWORD=opstest-superuser", POSTGRES_IMAGE]);
    // Over TCP: the image's first-start server (initdb, init scripts) listens on the socket only,
    // then restarts; the socket alone would answer too early.
    waitFor(() => sh("docker", ["exec", name, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"]).code === 0, 60_000, `${name} ready`);
}

export function waitFor(cond: () => boolean, ms: number, what: string) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (cond()) return;
        spawnSync("sleep", ["0.3"]);
    }
    throw new Error(`timed out waiting for ${what}`);
}

export function psql(container: string, db: string, sql: string, env: Record<string, string> = {}): string {
    const envArgs = Object.keys(env).flatMap((k) => ["-e", k]);
    return ok("docker", ["exec", "-i", ...envArgs, container, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", db], { input: sql, env });
}

/** nginx.conf for an opstest nginx: /health, a JSON access log like production's, one app route. */
export const TEST_NGINX_CONF = `worker_processes 1;
pid /tmp/nginx.pid;
events { worker_connections 64; }
http {
    log_format json escape=json '{"time":"$time_iso8601","status":$status,"request_time":$request_time,"upstream_response_time":"$upstream_response_time","upstream_addr":"$upstream_addr","uri":"$uri"}';
    # Buffered like production's (render/nginx/config.ts): rotation must not lose the buffer.
    access_log /var/log/nginx/access.log json buffer=64k flush=${ACCESS_LOG_FLUSH_SECONDS}s;
    error_log /var/log/nginx/error.log warn;
    resolver 127.0.0.11 valid=1s;
    server {
        listen 80;
        location = /health { access_log off; default_type text/plain; return 200 "ok\\n"; }
        location / { return 404; }
    }
}
`;

/** Starts an nginx like mhylle-nginx: config at /etc/nginx/platform, logs bind-mounted from the root. */
export function startNginx(name: string, root: string, network: string): void {
    removeContainers(name);
    fs.mkdirSync(path.join(root, "nginx"), { recursive: true });
    fs.mkdirSync(path.join(root, "logs/nginx"), { recursive: true });
    fs.writeFileSync(path.join(root, "nginx/nginx.conf"), TEST_NGINX_CONF);
    ok("docker", ["run", "-d", "--name", name, "--label", "opstest=1", "--network", network,
        "-v", `${root}/nginx:/etc/nginx/platform:ro`, "-v", `${root}/logs/nginx:/var/log/nginx`,
        NGINX_IMAGE, "nginx", "-g", "daemon off;", "-c", "/etc/nginx/platform/nginx.conf"]);
    waitFor(() => sh("docker", ["exec", name, "curl", "-fsS", "http://127.0.0.1/health"]).code === 0, 30_000, `${name} /health`);
}

export function network(name: string): void {
    sh("docker", ["network", "rm", name]);
    ok("docker", ["network", "create", "--label", "opstest=1", name]);
}

/** A self-signed certificate valid for `days` at <root>/certs/live/<domain>/fullchain.pem. */
export function certificate(root: string, domain: string, days: number): void {
    const dir = path.join(root, "certs/live", domain);
    fs.mkdirSync(dir, { recursive: true });
    ok("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "privkey.pem"), "-out", path.join(dir, "fullchain.pem"), "-days", String(days), "-subj", `/CN=${domain}`]);
}
