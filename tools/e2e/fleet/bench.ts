// Requests per second through the load balancer's stand-in with one server in the pool and with
// two (the other taken out by its check, as an operator would), the same wrk run each time, on two
// paths: an app's frontend (what a server does alone: TLS from the load balancer, nginx, the
// frontend) and a backend route that writes a visit to the one managed database all servers share.
import type { FleetRig, Log } from "./rig";
import { run } from "../applier";
import { sleep } from "../scenarios/common";
import { secondsToLeavePool, backendSettings } from "../../../render/lb/backend";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function wrk(url: string): Promise<{ rps: number; requests: number; errors: number }> {
    const r = await run("wrk", ["-t2", `-c${CONNECTIONS}`, `-d${SECONDS}s`, url]);
    const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(r.stdout)?.[1] ?? NaN);
    const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
    if (!Number.isFinite(rps)) throw new Error(`wrk did not run: ${r.stdout}${r.stderr}`);
    return { rps, requests, errors: non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

export async function benchFleet(rig: FleetRig, log: Log) {
    const up = await rig.platform.up();
    if (!up.ok) throw new Error(`bring-up failed: ${up.error}`);
    const wait = (secondsToLeavePool(backendSettings(rig.platform.cfg)) + 2) * 1000;
    const paths = { frontend: "/app1/", database: "/api/app1/items" };
    for (const p of Object.values(paths)) await wrk(rig.baseUrl + p); // warm-up: connections, JIT, the database's caches
    log("one server in the pool");
    rig.outOfPool(1, true);
    await sleep(wait);
    const one = { frontend: await wrk(rig.baseUrl + paths.frontend), database: await wrk(rig.baseUrl + paths.database) };
    log("two servers in the pool");
    rig.outOfPool(1, false);
    await sleep(wait);
    const two = { frontend: await wrk(rig.baseUrl + paths.frontend), database: await wrk(rig.baseUrl + paths.database) };
    return { paths, one, two, seconds: SECONDS, connections: CONNECTIONS, serverCpus: process.env.FLEET_SERVER_CPUS ?? "0.25" };
}
