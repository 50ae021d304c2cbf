// The demo app's test images (demo/frontend, demo/backend: built from their own Dockerfiles by
// tests/support/images/build.sh), run the way the platform runs an app's containers.
import * as path from "node:path";
import { validateConfig } from "../../config/validate";
import { containerSpec } from "../../render/app/container-spec";
import { containerIp, docker, waitFor } from "./containers";

export const DEMO_IMAGES = {
    frontend: "local/demo/frontend:1",
    backend: "local/demo/backend:1",
    backend2: "local/demo/backend:2",
    broken: "local/demo/backend:broken",
} as const;
export const POSTGRES_IMAGE = "local/postgres:15";
export const REPO_ROOT = path.resolve(__dirname, "../..");
export const DEMO_DIR = path.join(REPO_ROOT, "demo");
export const DEMO_BUILD_SCRIPT = path.join(REPO_ROOT, "tests/support/images/demo-images.sh");

/**
 * The platform's `docker run` flags for the app's service (non-root, read-only root, /tmp tmpfs,
 * no capabilities, memory limit, its health check), without its labels and restart policy so
 * the platform's own tools never take a test container for theirs.
 */
export function platformRunArgs(app: string, kind: "frontend" | "backend"): string[] {
    const cfg = validateConfig({ apps: [{ name: app, frontend: { image: DEMO_IMAGES.frontend }, backend: { image: DEMO_IMAGES.backend } }] });
    return containerSpec(cfg.apps[0], kind, "test").runArgs.filter((a) => !a.startsWith("--label=") && !a.startsWith("--restart="));
}

export interface Demo { readonly name: string; readonly url: string }

/** Starts `image` as the app's service on `network`; its base URL once it answers. */
export async function runDemo(opts: { name: string; network: string; image: string; app: string; kind: "frontend" | "backend"; env?: Record<string, string> }): Promise<Demo> {
    const env = Object.entries({ APP_NAME: opts.app, ...opts.env }).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    await docker(["run", "-d", "--name", opts.name, "--network", opts.network, ...platformRunArgs(opts.app, opts.kind), ...env, opts.image]);
    const url = `http://${await containerIp(opts.name, opts.network)}:${opts.kind === "backend" ? 3000 : 8080}`;
    // Any answer will do (the broken build answers 500); /health, since other backend routes count visits.
    await waitFor(`${opts.name} listening`, 20_000, async () => {
        await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        return true;
    });
    return { name: opts.name, url };
}

/** PostgreSQL 15 with the app's login role owning its database, as the platform makes them. */
export async function startDatabase(name: string, network: string, app: string): Promise<{ url: string; psql(sql: string): Promise<string> }> {
    await docker(["run", "-d", "--name", name, "--network", network, "-e", "POSTGRES_PASSWORD=demo-superuser", POSTGRES_IMAGE]);
    await waitFor("pg_isready over TCP", 60_000, async () =>
        (await docker(["exec", name, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"], { allowFail: true })).code === 0 ? true : undefined);
    const psql = async (sql: string) => (await docker(["exec", "-i", name, "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", `${app}_db`], { input: sql })).stdout.trim();
    await docker(["exec", "-i", name, "psql", "-Xq", "-v", "ON_ERROR_STOP=1", "-U", "postgres"], {
        input: `CREATE ROLE ${app} LOGIN PASSWORD '${app}-password';\nCREATE DATABASE ${app}_db OWNER ${app};\n`,
    });
    return { url: `postgres://${app}:${app}-password@${name}:5432/${app}_db`, psql };
}
