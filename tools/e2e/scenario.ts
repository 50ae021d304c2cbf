// The end-to-end scenario of the blue-green issue, under steady load through nginx:
// bring up two apps, release app1's backend 1 → 2, release app2's backend to a broken image,
// then the same release done as a naive recreate, for comparison.
import { LocalPlatform } from "./platform";
import { LoadResult, startLoad } from "./load";
import { run } from "./applier";
import { reveal } from "../record";
import { lastJsonLine } from "./run";
import { DATABASE_NETWORK, NGINX_CONTAINER, POSTGRES_CONTAINER } from "../../stacks/naming";
import { IN_CONTAINER, mainConfig } from "../../render/nginx/layout";
import { PLATFORM_LABEL } from "../../components/hardening";

export interface ScenarioResult {
    readonly requests: number;
    readonly failed: number;
    readonly non2xx: number;
    /** Seconds from the start of app1's release until nginx routed to the new container. */
    readonly cutoverSeconds: number;
    readonly release: LoadResult & { readonly ok: boolean; readonly versionsAfter: string[]; readonly containersAfter: string[] };
    readonly brokenRelease: LoadResult & { readonly ok: boolean; readonly error: string; readonly versionsAfter: string[] };
    /** A release that is healthy but serves 5xx once it takes traffic: switched back in the watch. */
    readonly watchRollback: LoadResult & { readonly ok: boolean; readonly error: string; readonly versionsAfter: string[]; readonly containersAfter: string[] };
    readonly naive: LoadResult & { readonly downtimeSeconds: number };
    /** The same config again: commands run by the engine, and the release script forced to run anyway. */
    readonly rerun: { readonly commandsRun: string[]; readonly forcedScript: { readonly code: number; readonly changed: boolean; readonly containersAfter: string[] } };
    readonly bringUp: { readonly ok: boolean; readonly routes: Record<string, number>; readonly databases: Record<string, number>; readonly isolation: string };
}

const LOAD_PATHS = ["/app1/", "/api/app1/items", "/app2/", "/api/app2/items"];

async function get(url: string): Promise<{ status: number; body: string }> {
    try {
        const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
        return { status: r.status, body: await r.text() };
    } catch {
        return { status: 0, body: "" };
    }
}

/** The backend versions answering a route over `n` requests. */
async function versions(base: string, path: string, n = 40): Promise<string[]> {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
        const r = await get(base + path);
        seen.add(r.status === 200 ? String(JSON.parse(r.body).version) : `status ${r.status}`);
    }
    return [...seen].sort();
}

async function serviceContainers(app: string, service: string): Promise<string[]> {
    const out = (await run("docker", ["ps", "-a", "--filter", `label=${PLATFORM_LABEL}=app:${app}:${service}`, "--format", "{{.Names}}"])).stdout;
    return out.split("\n").filter(Boolean);
}

async function psql(db: string, sql: string, user = "postgres", password?: string) {
    const target = password ? `postgresql://${user}:${password}@127.0.0.1:5432/${db}` : db;
    const args = password ? ["exec", POSTGRES_CONTAINER, "psql", "-XAt", target, "-c", sql] : ["exec", POSTGRES_CONTAINER, "psql", "-XAt", "-U", user, "-d", db, "-c", sql];
    return run("docker", args);
}

/** Stop the serving container and start the new image under the same name: what a plain script does. */
async function naiveRecreate(p: LocalPlatform, app: string, image: string): Promise<number> {
    const [name] = await serviceContainers(app, "backend");
    const inspect = JSON.parse((await run("docker", ["inspect", name])).stdout)[0];
    const env: string[] = inspect.Config.Env;
    const started = Date.now();
    await run("docker", ["stop", "-t", "10", name]);
    await run("docker", ["rm", "-f", name]);
    const envArgs = env.flatMap((e) => ["--env", e]);
    await run("docker", ["create", "--name", name, "--network", `${app}-network`, "--user=10001:10001", `--label=${PLATFORM_LABEL}=app:${app}:backend`, ...envArgs, image]);
    await run("docker", ["network", "connect", DATABASE_NETWORK, name]);
    await run("docker", ["start", name]);
    // nginx resolved the old address at its last reload: a plain script reloads it too.
    await run("docker", ["exec", NGINX_CONTAINER, "nginx", "-s", "reload", "-c", mainConfig(IN_CONTAINER.config)]);
    for (let i = 0; i < 60 && (await get(`${p.baseUrl}/api/${app}/health`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 250));
    return (Date.now() - started) / 1000;
}

export async function runScenario(p: LocalPlatform, log: (line: string) => void): Promise<ScenarioResult> {
    log("bringing up the platform from " + p.configFile);
    await p.down();
    const up = await p.up();
    if (!up.ok) throw new Error(`bring-up failed: ${up.error}`);
    const routes: Record<string, number> = {};
    for (const path of ["/health", ...LOAD_PATHS, "/unknown"]) routes[path] = (await get(p.baseUrl + path)).status;
    const databases: Record<string, number> = {};
    for (const app of ["app1", "app2"]) databases[`${app}_db`] = Number((await psql(`${app}_db`, "SELECT count(*) FROM visits")).stdout.trim() || -1);
    const cross = await psql("app2_db", "SELECT 1", "app1", p.generated("app1-db-password"));
    const isolation = cross.code === 0 ? "app1 reached app2_db" : cross.stderr.trim();

    log("releasing app1's backend 1 -> 2 under load");
    let load = startLoad(p.baseUrl, LOAD_PATHS);
    const release = await p.up((raw) => (raw.apps[0].backend.image = "local/demo/backend:2"));
    const releaseLoad = await load.stop();
    const releaseRun = release.commands.find((c) => c.name === "app1-backend-release");
    const summary = lastJsonLine<{ cutoverSeconds?: number }>(releaseRun?.stdout ?? "", {});
    const releaseAfter = { versionsAfter: await versions(p.baseUrl, "/api/app1/items"), containersAfter: await serviceContainers("app1", "backend") };

    log("the same config again: nothing may run; the release script forced to run changes nothing");
    const again = await p.up((raw) => (raw.apps[0].backend.image = "local/demo/backend:2"));
    const releaseCommand = p.resources.find((r) => r.name === "app1-backend-release")!;
    const inputs = reveal(releaseCommand.inputs) as { create: string; stdin: string };
    const forced = await run("/bin/bash", ["-c", inputs.create], inputs.stdin);
    const rerun = {
        commandsRun: again.commands.map((c) => c.name),
        forcedScript: { code: forced.code, changed: lastJsonLine<{ changed?: boolean }>(forced.stdout, {}).changed !== false, containersAfter: await serviceContainers("app1", "backend") },
    };

    log("releasing app2's backend to a broken image under load");
    load = startLoad(p.baseUrl, LOAD_PATHS);
    const broken = await p.up((raw) => {
        raw.apps[0].backend.image = "local/demo/backend:2";
        raw.apps[1].backend.image = "local/demo/backend:broken";
    });
    const brokenLoad = await load.stop();

    log("releasing app1's backend as a version that fails real requests, under load");
    load = startLoad(p.baseUrl, LOAD_PATHS);
    const failing = await p.up((raw) => {
        raw.apps[0].backend.image = "local/demo/backend:2";
        raw.apps[0].backend.env = { DEMO_FAIL_REQUESTS: "1" };
    });
    const failingLoad = await load.stop();
    const watchRollback = {
        ...failingLoad,
        ok: failing.ok,
        error: failing.error ?? "",
        versionsAfter: await versions(p.baseUrl, "/api/app1/items"),
        containersAfter: await serviceContainers("app1", "backend"),
    };

    log("the same release as a naive recreate, under load");
    load = startLoad(p.baseUrl, LOAD_PATHS);
    await new Promise((r) => setTimeout(r, 1000));
    const downtimeSeconds = await naiveRecreate(p, "app1", "local/demo/backend:1");
    await new Promise((r) => setTimeout(r, 2000));
    const naiveLoad = await load.stop();

    const result: ScenarioResult = {
        requests: releaseLoad.requests + brokenLoad.requests,
        failed: releaseLoad.failed + brokenLoad.failed,
        non2xx: releaseLoad.non2xx + brokenLoad.non2xx,
        cutoverSeconds: Number(summary.cutoverSeconds ?? NaN),
        release: { ...releaseLoad, ok: release.ok, ...releaseAfter },
        brokenRelease: { ...brokenLoad, ok: broken.ok, error: broken.error ?? "", versionsAfter: await versions(p.baseUrl, "/api/app2/items") },
        watchRollback,
        rerun,
        naive: { ...naiveLoad, downtimeSeconds },
        bringUp: { ok: up.ok, routes, databases, isolation },
    };
    return result;
}
