// Releases under load through nginx: app1's backend 1 -> 2 with every kind of client that never
// retries (autocannon, a strict Node client, wrk GET and POST on keep-alive, h2load over HTTP/2),
// the same config again, a release to a broken image, a release that fails real requests after
// the switch, and for comparison what the old reload-based switch and a naive recreate lose.
import type { LocalPlatform } from "../platform";
import { LoadResult, startLoad } from "../load";
import { startH2load, startWrk } from "../clients";
import { idleConnection } from "../idle-connection";
import { run } from "../applier";
import { reveal } from "../../record";
import { lastJsonLine } from "../run";
import { appDatabaseNetwork } from "../../../config/naming";
import { IN_CONTAINER, mainConfig } from "../../../render/nginx/layout";
import { nginxServers, serviceContainers, sleep, versions } from "./common";
import { firstRequestTo, watchNewContainers } from "./first-traffic";

export const LOAD_PATHS = ["/app1/", "/api/app1/items", "/app2/", "/api/app2/items"];
/** The clients stop this long after `up` returns, so they cover the release's last steps too. */
const STOP_MARGIN_MS = 3000;
/** h2load cannot be stopped with its summary (SIGINT kills it silently): it runs this long, and
 * the test checks that the release fit inside; wrk's is only an upper bound, it is stopped. */
const H2LOAD_SECONDS = 45;
const WRK_MAX_SECONDS = 300;

interface ReleaseSummary {
    readonly container?: string;
    readonly cutoverSeconds?: number;
    readonly healthyToSwitchSeconds?: number;
    readonly totalSeconds?: number;
    readonly served5xx?: number;
    readonly firstErrorToRollbackSeconds?: number | null;
}

/** Clients this project did not write: wrk runs until stopped (at most wrkSeconds), h2load its h2loadSeconds. */
export function startForeignClients(base: string, o: { wrkSeconds: number; h2loadSeconds: number }) {
    const clients = [
        startWrk(`${base}/api/app1/items`, { seconds: o.wrkSeconds, method: "GET" }),
        startWrk(`${base}/api/app1/items`, { seconds: o.wrkSeconds, method: "POST" }),
        startH2load(`${base}/api/app1/items`, { seconds: o.h2loadSeconds }),
    ];
    return {
        done: () => Promise.all(clients.map((c) => c.done)),
        stop: () => Promise.all(clients.map((c) => (c.stop ? c.stop() : c.done))),
    };
}

const summaryOf = (stdout: string) => lastJsonLine<ReleaseSummary>(stdout, {});

export async function releaseUnderLoad(p: LocalPlatform, log: (line: string) => void) {
    log("releasing app1's backend 1 -> 2 under load from every client");
    const before = await serviceContainers("app1", "backend");
    const backend = p.cfg.apps[0].backend!;
    const watcher = watchNewContainers("app1", "backend", backend.port, backend.healthPath, before);
    const load = startLoad(p.baseUrl, LOAD_PATHS);
    const foreign = startForeignClients(p.baseUrl, { wrkSeconds: WRK_MAX_SECONDS, h2loadSeconds: H2LOAD_SECONDS });
    const idle = await idleConnection(p.baseUrl, "/api/app1/items");
    await sleep(1000);
    const releaseStartedAt = Date.now();
    const release = await p.up((raw) => (raw.apps[0].backend.image = "local/demo/backend:2"));
    const releaseEndedAt = Date.now();
    const idleAfterRelease = await idle.next();
    await sleep(STOP_MARGIN_MS);
    const [clients, loadResult, watched] = await Promise.all([foreign.stop(), load.stop(), watcher.stop()]);
    const ran = release.commands.find((c) => c.name === "app1-backend-release");
    const summary = summaryOf(ran?.stdout ?? "");
    // Each client's own account of when it ran (its start, plus the run time it reports).
    const spans = [...clients.map((c) => ({ client: c.client, from: c.startedAt, to: c.startedAt + c.seconds * 1000 })), { client: "autocannon", from: loadResult.startedAt, to: loadResult.endedAt }];
    const newContainer = watched.find((w) => w.name === summary.container) ?? null;
    await sleep(2000); // nginx flushes its access log every second
    return {
        ...loadResult,
        ok: release.ok,
        error: release.error ?? "",
        clients: clients.map(({ output: _output, ...c }) => c),
        idleAfterRelease,
        /** Per client: seconds it started before the release, and ran on after it (both >= 0: it covered it). */
        clientsAroundRelease: spans.map((s) => ({ client: s.client, startedBefore: (releaseStartedAt - s.from) / 1000, endedAfter: (s.to - releaseEndedAt) / 1000 })),
        newContainer: newContainer ? { ...newContainer, firstRequest: firstRequestTo(p.root, `${newContainer.ip}:${backend.port}`) } : null,
        healthyToSwitchSeconds: summary.healthyToSwitchSeconds ?? null,
        cutoverSeconds: summary.cutoverSeconds ?? null,
        versionsAfter: await versions(p.baseUrl, "/api/app1/items"),
        containersAfter: await serviceContainers("app1", "backend"),
    };
}

export async function sameConfigAgain(p: LocalPlatform) {
    const again = await p.up((raw) => (raw.apps[0].backend.image = "local/demo/backend:2"));
    const releaseCommand = p.resources.find((r) => r.name === "app1-backend-release")!;
    const inputs = reveal(releaseCommand.inputs) as { create: string; stdin: string };
    const forced = await run("/bin/bash", ["-c", inputs.create], inputs.stdin);
    return {
        commandsRun: again.commands.map((c) => c.name),
        stepsRun: again.steps.map((s) => `${s.op} ${s.name}`),
        forcedScript: { code: forced.code, changed: lastJsonLine<{ changed?: boolean }>(forced.stdout, {}).changed !== false, containersAfter: await serviceContainers("app1", "backend") },
    };
}

export async function brokenRelease(p: LocalPlatform, log: (line: string) => void) {
    log("releasing app2's backend to a broken image under load");
    const load = startLoad(p.baseUrl, LOAD_PATHS);
    const broken = await p.up((raw) => {
        raw.apps[0].backend.image = "local/demo/backend:2";
        raw.apps[1].backend.image = "local/demo/backend:broken";
    });
    const result = await load.stop();
    return { ...result, ok: broken.ok, error: broken.error ?? "", versionsAfter: await versions(p.baseUrl, "/api/app2/items") };
}

export async function failingAfterSwitch(p: LocalPlatform, log: (line: string) => void) {
    log("releasing app1's backend as a version that fails real requests, under load");
    const load = startLoad(p.baseUrl, LOAD_PATHS);
    const started = Date.now();
    const failing = await p.up((raw) => {
        raw.apps[0].backend.image = "local/demo/backend:2";
        raw.apps[0].backend.env = { DEMO_FAIL_REQUESTS: "1" };
    });
    const seconds = (Date.now() - started) / 1000;
    const result = await load.stop();
    const ran = failing.commands.find((c) => c.name === "app1-backend-release");
    const summary = summaryOf(ran?.stdout ?? "");
    return {
        ...result,
        ok: failing.ok,
        error: failing.error ?? "",
        upSeconds: seconds,
        served5xx: summary.served5xx ?? null,
        firstErrorToRollbackSeconds: summary.firstErrorToRollbackSeconds ?? null,
        versionsAfter: await versions(p.baseUrl, "/api/app1/items"),
        containersAfter: await serviceContainers("app1", "backend"),
    };
}

/** PIDs of nginx's worker processes (`docker top`, from the host). */
async function nginxWorkers(): Promise<string[]> {
    const lines = (await run("docker", ["top", ...(await nginxServers()).slice(0, 1)])).stdout.split("\n");
    return lines.filter((l) => /nginx: worker process/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
}

/**
 * The switch as releases did it before: one graceful nginx reload, under the same clients, and a
 * keep-alive connection left idle across it. How many requests the clients lose to a reload
 * depends on timing (figures only, for `npm run bench`); the idle connection's fate does not.
 */
export async function reloadSwitch(p: LocalPlatform, log: (line: string) => void) {
    log("for comparison: one nginx reload under the same clients");
    const idle = await idleConnection(p.baseUrl, "/api/app1/items");
    const foreign = startForeignClients(p.baseUrl, { wrkSeconds: 10, h2loadSeconds: 10 });
    await sleep(4000);
    const workersBefore = await nginxWorkers();
    const [server] = await nginxServers();
    const reload = await run("docker", ["exec", server, "nginx", "-s", "reload", "-c", mainConfig(IN_CONTAINER.config)]);
    await sleep(1000);
    const workersAfter = await nginxWorkers();
    const idleAfterReload = await idle.next();
    return {
        reloadCode: reload.code,
        newWorkers: workersAfter.filter((w) => !workersBefore.includes(w)).length,
        idleAfterReload,
        clients: (await foreign.done()).map(({ output: _output, ...c }) => c),
    };
}

/** Stop the serving container and start the new image under the same name: what a plain script does. */
async function naiveRecreate(p: LocalPlatform, app: string, image: string): Promise<number> {
    const [name] = await serviceContainers(app, "backend");
    const inspect = JSON.parse((await run("docker", ["inspect", name])).stdout)[0];
    const env: string[] = inspect.Config.Env;
    const labels: Record<string, string> = inspect.Config.Labels;
    const aliases: string[] = inspect.NetworkSettings.Networks[`${app}-network`].Aliases ?? [];
    const started = Date.now();
    await run("docker", ["stop", "-t", "10", name]);
    await run("docker", ["rm", "-f", name]);
    // The secret variables are not in Config.Env: the release mounts them and starts through /bin/sh
    // (render/app/secret-env.sh); a recreate keeps that mount, entrypoint and command.
    const binds: string[] = inspect.HostConfig.Binds ?? [];
    const entrypoint: string[] = inspect.Config.Entrypoint ?? [];
    const command: string[] = entrypoint.length ? (inspect.Config.Cmd ?? []) : [];
    const flags = [
        ...env.flatMap((e) => ["--env", e]),
        ...Object.entries(labels).map(([k, v]) => `--label=${k}=${v}`),
        ...aliases.filter((a) => !name.startsWith(a)).map((a) => `--network-alias=${a}`),
        ...binds.map((b) => `--volume=${b}`),
        ...(entrypoint.length ? [`--entrypoint=${entrypoint[0]}`] : []),
    ];
    await run("docker", ["create", "--name", name, "--network", `${app}-network`, "--user=10001:10001", ...flags, image, ...command]);
    await run("docker", ["network", "connect", appDatabaseNetwork(app), name]);
    await run("docker", ["start", name]);
    for (let i = 0; i < 120 && (await fetch(`${p.baseUrl}/api/${app}/health`).then((r) => r.status, () => 0)) !== 200; i++) await sleep(250);
    return (Date.now() - started) / 1000;
}

export async function naive(p: LocalPlatform, log: (line: string) => void): Promise<LoadResult & { downtimeSeconds: number }> {
    log("the same release as a naive recreate, under load");
    const load = startLoad(p.baseUrl, LOAD_PATHS);
    await sleep(1000);
    const downtimeSeconds = await naiveRecreate(p, "app1", "local/demo/backend:1");
    await sleep(2000);
    return { ...(await load.stop()), downtimeSeconds };
}
