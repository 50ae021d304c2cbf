// What nginx as a pod costs (components/proxy.ts): the same nginx config and upstream, reached
// through Docker's published port, once as today's one container that publishes its ports
// (listeners without reuseport) and once in a holder's network namespace (listeners with
// reuseport, net.ipv4.tcp_migrate_req=1), with wrk in one run: the ratio of requests per second
// and p99, and the holder's memory. Prints one JSON line per figure.
// Run alone: npx tsx bench/nginx-pod.ts   (needs Docker, local/nginx:1.30, openssl in it, wrk)
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { wrkMs } from "./proxy";

const IMAGE = "local/nginx:1.30";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

const docker = (...args: string[]) => {
    const r = spawnSync("docker", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
};

const conf = (app: string, reuseport: boolean) => `worker_processes 2;
pid /tmp/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    resolver 127.0.0.11 valid=10s;
    upstream app { zone app 64k; server ${app}:80 resolve; keepalive 16; }
    server {
        listen 80${reuseport ? " reuseport" : ""};
        location = /health { return 200 "ok\\n"; }
        location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
`;

function wrk(port: number): { rps: number; p99Ms: number } {
    const r = spawnSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency", `http://127.0.0.1:${port}/`], { encoding: "utf8" });
    const rps = /Requests\/sec:\s+([0-9.]+)/.exec(r.stdout)?.[1];
    const p99 = /^\s+99%\s+(\S+)/m.exec(r.stdout)?.[1];
    if (r.status !== 0 || !rps || !p99 || /Non-2xx|Socket errors/.test(r.stdout)) throw new Error(`wrk failed:\n${r.stdout}${r.stderr}`);
    return { rps: Number(rps), p99Ms: wrkMs(p99) };
}

function waitHealthy(port: number) {
    for (let i = 0; i < 80; i++) {
        if (spawnSync("curl", ["-fsS", "-o", "/dev/null", `http://127.0.0.1:${port}/health`]).status === 0) return;
        spawnSync("sleep", ["0.25"]);
    }
    throw new Error(`nothing answers on ${port}`);
}

export async function benchNginxPod(emit: (line: Record<string, unknown>) => void): Promise<void> {
    const id = `benchpod-${randomBytes(3).toString("hex")}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchpod-"));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, "today.conf"), conf(`${id}-app`, false));
    fs.writeFileSync(path.join(dir, "pod.conf"), conf(`${id}-app`, true));
    const [today, pod] = [18000 + Math.floor(Math.random() * 1000), 19000 + Math.floor(Math.random() * 1000)];
    const names = [`${id}-app`, `${id}-today`, `${id}-holder`, `${id}-server`];
    try {
        docker("network", "create", `${id}-net`);
        docker("run", "-d", "--name", `${id}-app`, "--network", `${id}-net`, IMAGE);
        docker("run", "-d", "--name", `${id}-today`, "--network", `${id}-net`, "-p", `127.0.0.1:${today}:80`, "-v", `${dir}:/conf:ro`, IMAGE, "nginx", "-g", "daemon off;", "-c", "/conf/today.conf");
        docker("run", "-d", "--name", `${id}-holder`, "--network", `${id}-net`, "--init", "--read-only", "--cap-drop=ALL", "--sysctl", "net.ipv4.tcp_migrate_req=1", "-p", `127.0.0.1:${pod}:80`, IMAGE, "sleep", "infinity");
        docker("run", "-d", "--name", `${id}-server`, "--network", `container:${id}-holder`, "--stop-signal", "SIGQUIT", "-v", `${dir}:/conf:ro`, IMAGE, "nginx", "-g", "daemon off;", "-c", "/conf/pod.conf");
        waitHealthy(today);
        waitHealthy(pod);
        // Alternating, twice each, so drift on a shared machine falls on both.
        const runs = { today: [] as { rps: number; p99Ms: number }[], pod: [] as { rps: number; p99Ms: number }[] };
        for (let i = 0; i < 2; i++) {
            runs.today.push(wrk(today));
            runs.pod.push(wrk(pod));
        }
        const mean = (xs: { rps: number; p99Ms: number }[], k: "rps" | "p99Ms") => xs.reduce((a, x) => a + x[k], 0) / xs.length;
        const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) => emit({ bench: "nginx-pod", metric, value, unit, ...extra });
        line("rps_today", Math.round(mean(runs.today, "rps")), "req/s", { connections: CONNECTIONS, seconds: SECONDS });
        line("rps_pod", Math.round(mean(runs.pod, "rps")), "req/s");
        line("rps_ratio_pod_over_today", Number((mean(runs.pod, "rps") / mean(runs.today, "rps")).toFixed(3)), "ratio");
        line("p99_ratio_pod_over_today", Number((mean(runs.pod, "p99Ms") / mean(runs.today, "p99Ms")).toFixed(3)), "ratio", { todayMs: mean(runs.today, "p99Ms"), podMs: mean(runs.pod, "p99Ms") });
        line("holder_memory", Math.round(memoryKiB(`${id}-holder`)), "KiB", { note: "docker stats of the holder (sleep under tini)" });
    } finally {
        spawnSync("docker", ["rm", "-f", ...names], { stdio: "ignore" });
        spawnSync("docker", ["network", "rm", `${id}-net`], { stdio: "ignore" });
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A container's memory use as docker stats reports it, in KiB. */
function memoryKiB(name: string): number {
    const m = /^([0-9.]+)([KMG]i?B)/.exec(docker("stats", "--no-stream", "--format", "{{.MemUsage}}", name));
    if (!m) throw new Error(`no memory figure for ${name}`);
    return Number(m[1]) * ({ KiB: 1, MiB: 1024, GiB: 1024 * 1024, kB: 1, MB: 1000, GB: 1e6 } as Record<string, number>)[m[2]];
}

if (require.main === module) benchNginxPod((l) => console.log(JSON.stringify(l))).catch((e) => { console.error(e); process.exit(1); });
