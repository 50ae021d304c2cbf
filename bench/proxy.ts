// Benchmark: the same Node backend reached directly and through the rendered nginx config (HTTPS,
// keepalive to the upstream), with wrk. Prints one JSON line per figure.
// Run alone: npx tsx bench/proxy.ts   (needs Docker and the local/nginx:1.30 image, openssl, wrk)
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import * as h from "../tests/support/nginx";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/**
 * CPU microseconds the stand-in backend burns per request, one run each: 0 is an empty handler, the
 * worst case for the ratio (nginx's own cost is then as large as the backend's, on shared cores);
 * 300 is still lighter than a NestJS handler that queries its database.
 */
const BACKEND_CPU_US = (process.env.BENCH_BACKEND_CPU_US ?? "0,300").split(",").map(Number);

interface Load {
    readonly rps: number;
    readonly p99Ms: number;
    readonly requests: number;
}

/** CPU seconds (user + system) used so far by nginx's worker processes. */
function nginxWorkersCpu(masterPid: number): number {
    const tick = 100; // USER_HZ on Linux
    const children = fs.readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return children.reduce((sum, pid) => {
        const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        return sum + (Number(fields[11]) + Number(fields[12])) / tick;
    }, 0);
}

/** Latency text from wrk (e.g. 812.00us, 1.20ms, 2.01s) in milliseconds. */
export function wrkMs(text: string): number {
    const m = /^([0-9.]+)(us|ms|s)$/.exec(text.trim());
    if (!m) throw new Error(`unreadable wrk latency ${text}`);
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "us" | "ms" | "s"];
}

/** wrk in a child process (async: the backend lives on this process's event loop). */
function wrk(url: string, headers: string[] = []): Promise<Load> {
    const args = ["-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency", ...headers.flatMap((x) => ["-H", x]), url];
    return new Promise((resolve, reject) => {
        const p = spawn("wrk", args);
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("error", reject);
        p.on("exit", (code) => {
            const rps = /Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1];
            const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1];
            if (code !== 0 || !rps || !p99) return reject(new Error(`wrk failed (${code}):\n${out}`));
            if (/Non-2xx/.test(out)) return reject(new Error(`wrk saw non-2xx responses:\n${out}`));
            resolve({ rps: Number(rps), p99Ms: wrkMs(p99), requests: Number(/([0-9]+) requests in/.exec(out)?.[1] ?? 0) });
        });
    });
}

export async function benchProxy(): Promise<void> {
    for (const cpuUs of BACKEND_CPU_US) await benchProxyWith(cpuUs);
}

async function benchProxyWith(backendCpuUs: number): Promise<void> {
    const line = (metric: string, value: number, unit: string) =>
        console.log(JSON.stringify({ bench: "proxy", metric, value: Math.round(value * 1000) / 1000, unit, backendCpuUs }));
    const sb = await h.sandbox();
    const backend = await h.slot(sb, "bench", "backend", "blue", backendCpuUs);
    let nginx: h.RunningNginx | undefined;
    try {
        nginx = await h.serve(sb, h.config({ domain: "bench.test", apps: [h.app("bench", {}, sb)] }));
        const address = (backend.server.address() as import("node:net").AddressInfo).address;
        const direct = await wrk(`http://${address}:${backend.port}/api/bench/items`);
        const nginxCpu0 = nginxWorkersCpu(nginx.masterPid);
        const cpu0 = process.cpuUsage();
        const proxied = await wrk(`https://127.0.0.1:${sb.ports.https}/api/bench/items`, ["Host: bench.test"]);
        const cpu = process.cpuUsage(cpu0);
        const nginxCpu = nginxWorkersCpu(nginx.masterPid) - nginxCpu0;
        line("direct_rps", direct.rps, "req/s");
        line("direct_p99", direct.p99Ms, "ms");
        line("proxied_rps", proxied.rps, "req/s");
        line("proxied_p99", proxied.p99Ms, "ms");
        line("throughput_ratio", proxied.rps / direct.rps, "ratio");
        // Where the time goes when everything shares this machine's cores: CPU per proxied request.
        line("nginx_cpu_per_request", (nginxCpu / proxied.requests) * 1e6, "us");
        line("backend_cpu_per_request", ((cpu.user + cpu.system) / 1e6 / proxied.requests) * 1e6, "us");
    } finally {
        await nginx?.stop();
        await backend.close();
        h.cleanup(sb);
    }
}

if (require.main === module) {
    benchProxy().catch((err) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    });
}
