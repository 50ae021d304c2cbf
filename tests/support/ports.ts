// Free TCP ports for test servers (nginx, Pebble) that bind them later, in another process.
// They come from below the kernel's ephemeral range: a port from `listen(0)` is free again once
// closed, and the next `listen(0)` or outgoing connection may take it before nginx binds it. CI
// once lost a whole test file that way: an echo server got the sandbox's HTTP port, nginx could not
// bind it, and the health check reached the echo server instead.
import * as fs from "node:fs";
import * as net from "node:net";

/** Lowest port the kernel hands out by itself; everything below is only ever bound on request. */
function ephemeralLow(): number {
    try {
        return Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
    } catch {
        return 32768;
    }
}

/** Ports from here up to the ephemeral range are left to the test PostgreSQL clusters (postgres.ts). */
export const CLUSTER_PORTS_FROM = 30_000;
const LOW = 10_000;
const given = new Set<number>();

const bindable = (port: number) =>
    new Promise<boolean>((resolve) => {
        const s = net.createServer();
        s.once("error", () => resolve(false));
        s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });

/** A port on 127.0.0.1 that is free now, outside the ephemeral range, and not given out before by this process. */
export async function freePort(): Promise<number> {
    const high = Math.min(CLUSTER_PORTS_FROM, ephemeralLow());
    for (let i = 0; i < 200; i++) {
        const port = LOW + Math.floor(Math.random() * (high - LOW));
        if (given.has(port) || !(await bindable(port))) continue;
        given.add(port);
        return port;
    }
    throw new Error(`no free port between ${LOW} and ${high} after 200 tries`);
}
