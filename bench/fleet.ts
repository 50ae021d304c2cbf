// Requests per second through the load balancer's stand-in (HAProxy, with the Scaleway backend's
// settings) with one server in its pool and with two, and their ratio: what a second server adds.
// Both "servers" are Docker engines on this machine, each capped to its own share of the cores
// (FLEET_SERVER_CPUS, default 0.25), so two servers have twice one server's CPU while the client,
// HAProxy and the database keep theirs: the ratio is what the design gets from a second server
// (the goal on real servers: at least 1.7). Runs tools/e2e-fleet.ts --bench (root: its own engines, PostgreSQL and HAProxy).
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { lastJsonLine } from "../tools/e2e/run";

interface Run {
    readonly rps: number;
    readonly requests: number;
    readonly errors: number;
}

type Path = "frontend" | "database";

export function benchFleet(emit: (line: Record<string, unknown>) => void): void {
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools/e2e-fleet.ts"), "--bench"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 3_600_000 });
    if (r.status !== 0) throw new Error(`the fleet bench failed (exit ${r.status})`);
    const b = lastJsonLine<{ paths: Record<Path, string>; one: Record<Path, Run>; two: Record<Path, Run>; seconds: number; connections: number; serverCpus: string }>(r.stdout);
    const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) => emit({ bench: "fleet", metric, value: Math.round(value * 100) / 100, unit, ...extra });
    for (const p of ["frontend", "database"] as const) {
        const about = { path: b.paths[p], seconds: b.seconds, connections: b.connections, through: "HAProxy stand-in, TLS at the load balancer", coresPerServer: b.serverCpus };
        line(`rps_one_server_${p}`, b.one[p].rps, "req/s", { ...about, requests: b.one[p].requests, errors: b.one[p].errors });
        line(`rps_two_servers_${p}`, b.two[p].rps, "req/s", { ...about, requests: b.two[p].requests, errors: b.two[p].errors });
        // The frontend path is what a second server adds (goal 1.7 on real servers); the database
        // path is bounded by the one database every server shares.
        line(`two_over_one_server_${p}`, b.two[p].rps / b.one[p].rps, "ratio", { path: b.paths[p], coresPerServer: b.serverCpus, ...(p === "frontend" ? { goal: 1.7 } : { boundBy: "the shared database" }) });
    }
}

if (require.main === module) benchFleet((l) => console.log(JSON.stringify(l)));
