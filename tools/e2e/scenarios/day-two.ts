// Day-two changes the engine handles in ways the mocks cannot show (docs/engine-notes.md), under
// steady probes: a second `up` with nothing changed; nginx replaced by an image change (delete
// before replace: every app must be routed again in the same `up`); PostgreSQL replaced by a minor
// image change behind the pooler's PAUSE (no write fails, no row lost, the longest wait reported);
// and nginx recreated outside Pulumi (as
// Watchtower would) followed by a change that replaces it.
import type { LocalPlatform, RawConfig } from "../platform";
import { run } from "../applier";
import { reveal } from "../../record";
import { containerArgs } from "../container-args";
import { startProber, startWriter } from "../prober";
import { NGINX_CONTAINER } from "../../../config/naming";
import { derivedImage, get, psql, sleep } from "./common";

/** Routes that read but never write: the probes do not change the row counts. */
const READ_PATHS = ["/health", "/app1/", "/api/app1/health", "/app2/", "/api/app2/health"];

async function routes(base: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const path of READ_PATHS) out[path] = (await get(base + path)).status;
    return out;
}

/** `up` with a change while the probes run; the probes stop once every route answers again. */
async function upUnderProbes(p: LocalPlatform, change: (raw: RawConfig) => void) {
    const prober = startProber(p.baseUrl, READ_PATHS);
    await sleep(1000);
    const result = await p.up(change);
    for (let i = 0; i < 100 && Object.values(await routes(p.baseUrl)).some((s) => s !== 200); i++) await sleep(200);
    await sleep(500);
    return { result, probes: await prober.stop() };
}

export async function secondUp(p: LocalPlatform, keep: (raw: RawConfig) => void) {
    const planned = await p.preview(keep);
    const applied = await p.up(keep);
    return { previewSteps: planned.map((s) => `${s.op} ${s.name}`), stepsRun: applied.steps.map((s) => `${s.op} ${s.name}`), commandsRun: applied.commands.map((c) => c.name), ok: applied.ok };
}

export async function nginxReplaced(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    const image = await derivedImage("local/nginx:1.30", "local/nginx:1.30-e2e-next");
    log(`replacing nginx: images.nginx -> ${image}`);
    const planned = await p.preview((raw) => (keep(raw), (raw.images.nginx = image)));
    const { result, probes } = await upUnderProbes(p, (raw) => (keep(raw), (raw.images.nginx = image)));
    return {
        ok: result.ok,
        error: result.error ?? "",
        preview: planned.filter((s) => s.name === NGINX_CONTAINER).map((s) => s.op),
        commandsRun: result.commands.map((c) => c.name).sort(),
        routesAfter: await routes(p.baseUrl),
        requests: probes.requests,
        lost: probes.lost,
        outageSeconds: probes.outageSeconds,
    };
}

export async function postgresReplaced(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    const image = await derivedImage("local/postgres:15", "local/postgres:15-e2e-next");
    log(`replacing PostgreSQL: images.postgres -> ${image}, writing all along`);
    const count = async () => Number((await psql("app1_db", "SELECT count(*) FROM visits")).stdout.trim());
    const rowsBefore = await count();
    const writer = startWriter(`${p.baseUrl}/api/app1/items`);
    await sleep(1000);
    const { result, probes } = await upUnderProbes(p, (raw) => (keep(raw), (raw.images.postgres = image)));
    // The backend reconnects by itself: wait for writes to succeed again, then stop writing.
    for (let i = 0; i < 150 && (await get(`${p.baseUrl}/api/app1/health`)).status !== 200; i++) await sleep(200);
    await sleep(1000);
    const writes = await writer.stop();
    const rowsAfter = await count();
    const stopped = (await run("docker", ["inspect", "-f", "{{.State.Running}}", "mhylle-postgres"])).stdout.trim();
    return {
        ok: result.ok,
        error: result.error ?? "",
        rowsBefore,
        rowsAfter,
        acknowledgedWrites: writes.ok,
        failedWrites: writes.failed,
        writeOutageSeconds: writes.outageSeconds,
        longestWriteMs: writes.longestMs,
        commandsRun: result.commands.map((c) => c.name).sort(),
        probeOutageSeconds: probes.outageSeconds,
        postgresRunning: stopped === "true",
        routesAfter: await routes(p.baseUrl),
    };
}

/** What Watchtower does to a container it updates: stop, remove, create with the same config and name. */
async function recreateOutsidePulumi(p: LocalPlatform) {
    const nginx = p.resources.find((r) => r.name === NGINX_CONTAINER)!;
    const inputs = reveal(nginx.inputs) as Record<string, any>;
    const networks = (await run("docker", ["inspect", "-f", '{{range $k, $_ := .NetworkSettings.Networks}}{{$k}} {{end}}', NGINX_CONTAINER])).stdout.trim().split(" ");
    await run("docker", ["stop", "-t", "10", NGINX_CONTAINER]);
    await run("docker", ["rm", "-f", NGINX_CONTAINER]);
    const { create } = containerArgs(nginx, inputs);
    const created = await run("docker", ["create", ...create]);
    if (created.code !== 0) throw new Error(`recreate: ${created.stderr}`);
    for (const n of networks.filter((n) => n !== inputs.networksAdvanced[0].name)) await run("docker", ["network", "connect", n, NGINX_CONTAINER]);
    await run("docker", ["start", NGINX_CONTAINER]);
    for (let i = 0; i < 50 && (await get(`${p.baseUrl}/health`)).status !== 200; i++) await sleep(200);
    return created.stdout.trim();
}

export async function recreatedOutsidePulumi(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    log("recreating nginx outside Pulumi (as Watchtower would), then a change that replaces it");
    const recreatedId = await recreateOutsidePulumi(p);
    const routesBetween = await routes(p.baseUrl);
    const { result, probes } = await upUnderProbes(p, keep);
    const idAfter = (await run("docker", ["inspect", "-f", "{{.Id}}", NGINX_CONTAINER])).stdout.trim();
    return {
        ok: result.ok,
        error: result.error ?? "",
        routesBetween,
        routesAfter: await routes(p.baseUrl),
        replacedTheStray: idAfter !== recreatedId,
        lost: probes.lost,
        outageSeconds: probes.outageSeconds,
    };
}
