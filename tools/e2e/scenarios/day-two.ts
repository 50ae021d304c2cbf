// Day-two changes the engine handles in ways the mocks cannot show (docs/engine-notes.md), under
// steady probes: a second `up` with nothing changed; PostgreSQL replaced by a minor image change
// behind the pooler's PAUSE (no write fails, no row lost, the longest wait reported); and the nginx
// server recreated outside Pulumi (as Watchtower would) followed by a change that replaces it.
// nginx's own image change under load is nginx-image.ts.
import type { LocalPlatform, RawConfig } from "../platform";
import { run, withRealNetworkMode } from "../applier";
import { reveal } from "../../record";
import { containerArgs } from "../container-args";
import { startProber, startWriter } from "../prober";
import { NGINX_SERVER } from "../../../config/naming";
import { derivedImage, get, nginxServers, psql, sleep } from "./common";

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

/**
 * What Watchtower does to a container it updates: stop, remove, create with the same config and
 * name. The nginx server's, in the holder's namespace (a new ID the engine's state does not know).
 */
async function recreateOutsidePulumi(p: LocalPlatform) {
    const nginx = p.resources.find((r) => r.name === NGINX_SERVER)!;
    const inputs = reveal(nginx.inputs) as Record<string, any>;
    await run("docker", ["stop", "-t", "10", inputs.name]);
    await run("docker", ["rm", "-f", inputs.name]);
    const { create } = containerArgs(nginx, withRealNetworkMode(nginx, inputs, p.resources));
    const created = await run("docker", ["create", ...create]);
    if (created.code !== 0) throw new Error(`recreate: ${created.stderr}`);
    await run("docker", ["start", inputs.name]);
    for (let i = 0; i < 50 && (await get(`${p.baseUrl}/health`)).status !== 200; i++) await sleep(200);
    return created.stdout.trim();
}

export async function recreatedOutsidePulumi(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    log("recreating nginx outside Pulumi (as Watchtower would), then a change that replaces it");
    const recreatedId = await recreateOutsidePulumi(p);
    const routesBetween = await routes(p.baseUrl);
    const { result, probes } = await upUnderProbes(p, keep);
    const servers = await nginxServers();
    const ids = servers.length ? (await run("docker", ["inspect", "-f", "{{.Id}}", ...servers])).stdout.trim().split("\n") : [];
    return {
        ok: result.ok,
        error: result.error ?? "",
        routesBetween,
        routesAfter: await routes(p.baseUrl),
        // One nginx server runs, and it is not the stray (the provider deletes the old one by its ID only).
        replacedTheStray: ids.length === 1 && ids[0] !== recreatedId,
        serversAfter: servers,
        lost: probes.lost,
        outageSeconds: probes.outageSeconds,
    };
}
