// When a release's new container got its first request, against when it became healthy, each seen
// by something other than the release script: a watcher that asks the new container's health
// endpoint itself (from the host, on the app network), and nginx's access log (upstream_addr, msec).
import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "../applier";
import { appNetwork } from "../../../config/naming";
import { NGINX_LOGS_DIR } from "../../../render/nginx/layout";
import { serviceContainers, sleep } from "./common";

interface Probe {
    /** Epoch ms the probe was sent. */
    readonly sent: number;
    /** "200", another status, or the connection error's code (ECONNREFUSED, timeout). */
    readonly outcome: string;
}

/**
 * Probes every container of the service that was not there at the start until it first answers
 * 200. A probe that got a non-200 answer or a refused connection proves the container was not
 * healthy at some moment after it was sent; a timeout proves nothing (the machine may be busy).
 */
export function watchNewContainers(app: string, service: string, port: number, healthPath: string, existing: string[]) {
    let running = true;
    const seen = new Map<string, { ip: string; probes: Probe[] }>();
    const loop = (async () => {
        while (running) {
            for (const name of await serviceContainers(app, service)) {
                if (existing.includes(name)) continue;
                const w = seen.get(name) ?? { ip: "", probes: [] };
                seen.set(name, w);
                if (w.probes.some((p) => p.outcome === "200")) continue;
                w.ip ||= (await run("docker", ["inspect", "-f", `{{(index .NetworkSettings.Networks "${appNetwork(app)}").IPAddress}}`, name])).stdout.trim();
                if (!w.ip) continue;
                const sent = Date.now();
                const outcome = await fetch(`http://${w.ip}:${port}${healthPath}`, { signal: AbortSignal.timeout(1000) }).then(
                    (r) => (r.body?.cancel(), String(r.status)),
                    (e) => String(e?.cause?.code ?? (e?.name === "TimeoutError" ? "timeout" : e?.message)),
                );
                w.probes.push({ sent, outcome });
            }
            await sleep(100);
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            return [...seen].map(([name, w]) => {
                const unhealthy = w.probes.filter((p) => p.outcome !== "200" && p.outcome !== "timeout");
                return {
                    name,
                    ip: w.ip,
                    probes: w.probes.length,
                    /** Epoch ms of the last probe that found it not healthy (null: none did). */
                    lastUnhealthySent: unhealthy.length ? Math.max(...unhealthy.map((p) => p.sent)) : null,
                    firstHealthySent: w.probes.find((p) => p.outcome === "200")?.sent ?? null,
                    outcomes: [...new Set(w.probes.map((p) => p.outcome))],
                };
            });
        },
    };
}

/**
 * The first request nginx sent to `addr` (IP:PORT), from its access log: when nginx began it
 * (msec, the time logged at its end, minus request_time) and what the upstream answered.
 */
export function firstRequestTo(root: string, addr: string): { startedAt: number; upstreamStatus: string; status: number } | null {
    const file = path.join(root, NGINX_LOGS_DIR, "access.log");
    let first: { startedAt: number; upstreamStatus: string; status: number } | null = null;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.includes(`"${addr}`) && !line.includes(` ${addr}`)) continue;
        let e: { msec: number; request_time: number; upstream_addr: string; upstream_status: string; status: number };
        try {
            e = JSON.parse(line);
        } catch {
            continue;
        }
        const tries = e.upstream_addr.split(", ");
        const i = tries.indexOf(addr);
        if (i < 0) continue;
        const startedAt = Math.round((e.msec - e.request_time) * 1000);
        if (!first || startedAt < first.startedAt) first = { startedAt, upstreamStatus: e.upstream_status.split(", ")[i] ?? "", status: e.status };
    }
    return first;
}
