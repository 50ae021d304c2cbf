// What the end-to-end scenarios share: requests, the containers of a service, psql in the
// database container, and images made on the fly for "a new version" of a core image.
import { run } from "../applier";
import { NGINX_ROLE, PLATFORM_LABEL, POSTGRES_CONTAINER, SLOT_LABEL } from "../../../config/naming";

export async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
    try {
        const r = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
        return { status: r.status, body: await r.text() };
    } catch {
        return { status: 0, body: "" };
    }
}

/** The backend versions answering a route over `n` requests. */
export async function versions(base: string, path: string, n = 40): Promise<string[]> {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
        const r = await get(base + path);
        seen.add(r.status === 200 ? String(JSON.parse(r.body).version) : `status ${r.status}`);
    }
    return [...seen].sort();
}

/** Containers of an app service (in one slot), by the platform's labels. */
export async function serviceContainers(app: string, service: string, slot?: string): Promise<string[]> {
    const filters = ["--filter", `label=${PLATFORM_LABEL}=app:${app}:${service}`, ...(slot ? ["--filter", `label=${SLOT_LABEL}=${slot}`] : [])];
    const out = (await run("docker", ["ps", "-a", ...filters, "--format", "{{.Names}}"])).stdout;
    return out.split("\n").filter(Boolean).sort();
}

export async function psql(db: string, sql: string, user = "postgres", password?: string) {
    const target = password ? `postgresql://${user}:${password}@127.0.0.1:5432/${db}` : db;
    const args = password ? ["exec", POSTGRES_CONTAINER, "psql", "-XAt", target, "-c", sql] : ["exec", POSTGRES_CONTAINER, "psql", "-XAt", "-U", user, "-d", db, "-c", sql];
    return run("docker", args);
}

/** A new image ID for the same contents: what a patch release of a core image looks like here. */
export async function derivedImage(from: string, tag: string): Promise<string> {
    const r = await run("docker", ["build", "-q", "-t", tag, "-"], `FROM ${from}\nLABEL io.mhylle.platform.e2e-derived="${tag}"\n`);
    if (r.code !== 0) throw new Error(`cannot build ${tag} from ${from}: ${r.stderr}`);
    return tag;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The running nginx containers (two while an image change overlaps them), found by their label. */
export async function nginxServers(): Promise<string[]> {
    const out = (await run("docker", ["ps", "--filter", `label=${PLATFORM_LABEL}=${NGINX_ROLE}`, "--format", "{{.Names}}"])).stdout.trim();
    return out ? out.split("\n") : [];
}
