// Requests per second through the load balancer's stand-in (HAProxy, with the Scaleway backend's
// settings) with one server in its pool and with two, and their ratio: what a second server adds.
// Both "servers" are Docker engines on this machine, sharing its cores: read the ratio as a lower
// bound. Runs tools/e2e-fleet.ts --bench (root: its own engines, PostgreSQL and HAProxy).
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { lastJsonLine } from "../tools/e2e/run";

interface Run {
    readonly rps: number;
    readonly requests: number;
    readonly errors: number;
}

export function benchFleet(emit: (line: Record<string, unknown>) => void): void {
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools/e2e-fleet.ts"), "--bench"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 3_600_000 });
    if (r.status !== 0) throw new Error(`the fleet bench failed (exit ${r.status})`);
    const b = lastJsonLine<{ one: Run; two: Run; ratio: number; seconds: number; connections: number }>(r.stdout);
    const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) => emit({ bench: "fleet", metric, value: Math.round(value * 100) / 100, unit, ...extra });
    const about = { path: "/api/app1/items", seconds: b.seconds, connections: b.connections, through: "HAProxy stand-in, TLS at the load balancer" };
    line("rps_one_server", b.one.rps, "req/s", { ...about, requests: b.one.requests, errors: b.one.errors });
    line("rps_two_servers", b.two.rps, "req/s", { ...about, requests: b.two.requests, errors: b.two.errors });
    line("two_over_one_server", b.ratio, "ratio", { note: "both servers share this machine's cores" });
}

if (require.main === module) benchFleet((l) => console.log(JSON.stringify(l)));
