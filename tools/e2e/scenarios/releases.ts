// Releases under load through nginx: app1's backend 1 -> 2 with every kind of client that never
// retries (autocannon, a strict Node client, wrk GET and POST on keep-alive, h2load over HTTP/2),
// the same config again, a release to a broken image, a release that fails real requests after
// the switch, and for comparison what the old reload-based switch and a naive recreate lose.
import type { LocalPlatform } from "../platform";
import { LoadResult, startLoad } from "../load";
import { ClientResult, startH2load, startWrk } from "../clients";
import { run } from "../applier";
import { reveal } from "../../record";
import { lastJsonLine } from "../run";
import { NGINX_CONTAINER, appDatabaseNetwork } from "../../../config/naming";
import { IN_CONTAINER, mainConfig } from "../../../render/nginx/layout";
import { serviceContainers, sleep, versions } from "./common";

export const LOAD_PATHS = ["/app1/", "/api/app1/items", "/app2/", "/api/app2/items"];
/** Long enough for a release (health, watch, drain) with room to spare; the test checks it was. */
const CLIENT_SECONDS = 40;

interface ReleaseSummary {
    readonly cutoverSeconds?: number;
    readonly healthyToSwitchSeconds?: number;
    readonly totalSeconds?: number;
    readonly served5xx?: number;
    readonly firstErrorToRollbackSeconds?: number | null;
}

/** Clients this project did not write, started together for a fixed duration. */
function startForeignClients(base: string, seconds: number) {
    const clients = [
        startWrk(`${base}/api/app1/items`, { seconds, method: "GET" }),
        startWrk(`${base}/api/app1/items`, { seconds, method: "POST" }),
        startH2load(`${base}/api/app1/items`, { seconds }),
    ];
    return { done: () => Promise.all(clients.map((c) => c.done)) };
}

const summaryOf = (stdout: string) => lastJsonLine<ReleaseSummary>(stdout, {});

export async function releaseUnderLoad(p: LocalPlatform, log: (line: string) => void) {
    log("releasing app1's backend 1 -> 2 under load from every client");
    const load = startLoad(p.baseUrl, LOAD_PATHS);
    const foreign = startForeignClients(p.baseUrl, CLIENT_SECONDS);
    const started = Date.now();
    await sleep(1000);
    const release = await p.up((raw) => (raw.apps[0].backend.image = "local/demo/backend:2"));
    const releaseSeconds = (Date.now() - started) / 1000;
    const clients: ClientResult[] = await foreign.done();
    const loadResult = await load.stop();
    const ran = release.commands.find((c) => c.name === "app1-backend-release");
    const summary = summaryOf(ran?.stdout ?? "");
    return {
        ...loadResult,
        ok: release.ok,
        error: release.error ?? "",
        clients: clients.map(({ output: _output, ...c }) => c),
        clientsOutlastedRelease: releaseSeconds < CLIENT_SECONDS,
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

/** The switch as releases did it before: one graceful nginx reload, under the same clients. */
export async function reloadSwitch(p: LocalPlatform, log: (line: string) => void) {
    log("for comparison: one nginx reload under the same clients");
    const foreign = startForeignClients(p.baseUrl, 10);
    await sleep(4000);
    await run("docker", ["exec", NGINX_CONTAINER, "nginx", "-s", "reload", "-c", mainConfig(IN_CONTAINER.config)]);
    return { clients: (await foreign.done()).map(({ output: _output, ...c }) => c) };
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
    const flags = [...env.flatMap((e) => ["--env", e]), ...Object.entries(labels).map(([k, v]) => `--label=${k}=${v}`), ...aliases.filter((a) => !name.startsWith(a)).map((a) => `--network-alias=${a}`)];
    await run("docker", ["create", "--name", name, "--network", `${app}-network`, "--user=10001:10001", ...flags, image]);
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
