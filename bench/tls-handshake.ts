// Benchmark: what loading the certificate per handshake (variables + ssl_certificate_cache, so a
// renewal needs no reload) costs against a certificate loaded once at (re)load, on the same nginx
// in one run. Full handshakes only (`openssl s_time -new`: a new session each time, no resumption),
// rounds alternating between the two forms so drift on this shared machine hits both alike.
// Prints one JSON line per figure. Run alone: npx tsx bench/tls-handshake.ts
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import * as h from "../tests/support/nginx";
import { TLS_SNIPPET, TLS_CERT_MAP } from "../render/nginx/tls";
import { certFiles } from "../render/nginx/layout";
import type { ServerFile } from "../render/bundle";

const SECONDS = Number(process.env.BENCH_TLS_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_TLS_ROUNDS ?? 6);
const DOMAIN = "bench.test";

type Form = "static" | "variable";

/**
 * CPU seconds used so far by nginx's worker processes, from schedstat (nanoseconds: /proc's stat
 * counts 10 ms ticks, too coarse for a few seconds of handshakes).
 */
function workersCpu(masterPid: number): number {
    const children = fs.readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return children.reduce((sum, pid) => {
        try {
            return sum + Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
        } catch {
            return sum; // a worker that just exited
        }
    }, 0);
}

/** Full handshakes for SECONDS: how many completed. */
function sTime(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        const p = spawn("openssl", ["s_time", "-connect", `127.0.0.1:${port}`, "-new", "-time", String(SECONDS)]);
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("error", reject);
        p.on("exit", (code) => {
            const n = /(\d+) connections in [0-9.]+s/.exec(out)?.[1];
            if (code !== 0 || !n) return reject(new Error(`openssl s_time failed (${code}):\n${out}`));
            resolve(Number(n));
        });
    });
}

/** The rendered files with the certificate loaded once, as before (no map, no cache). */
function staticForm(certsDir: string) {
    const cert = certFiles(certsDir, DOMAIN);
    return (files: ServerFile[]) =>
        files.filter((f) => f.path !== TLS_CERT_MAP).map((f) => f.path !== TLS_SNIPPET ? f : {
            ...f,
            content: f.content
                .replace(/^ssl_certificate \S+;$/m, `ssl_certificate ${cert.fullchain};`)
                .replace(/^ssl_certificate_key \S+;$/m, `ssl_certificate_key ${cert.privkey};`)
                .replace(/^ssl_certificate_cache .*\n/m, ""),
        });
}

export async function benchTlsHandshake(emit: (line: Record<string, unknown>) => void): Promise<void> {
    const line = (metric: string, value: number, unit: string) =>
        emit({ bench: "tls-handshake", metric, value: Math.round(value * 1000) / 1000, unit });
    const sb = await h.sandbox();
    let nginx: h.RunningNginx | undefined;
    try {
        const cfg = h.config({ domain: DOMAIN, apps: [] });
        nginx = await h.serve(sb, cfg);
        const total = { static: { n: 0, cpu: 0 }, variable: { n: 0, cpu: 0 } };
        for (let round = 0; round < ROUNDS; round++) {
            for (const form of (round % 2 ? ["variable", "static"] : ["static", "variable"]) as Form[]) {
                const d = h.deliver(sb, cfg, form === "static" ? staticForm(sb.options.paths.certs) : undefined);
                if (d.status !== 0) throw new Error(`delivering the ${form} form failed: ${d.stderr}`);
                await new Promise((r) => setTimeout(r, 1000)); // the reload's old worker leaves
                await sTime(sb.ports.https).catch(() => 0); // warm-up: the cache's first load
                const cpu0 = workersCpu(nginx.masterPid);
                total[form].n += await sTime(sb.ports.https);
                total[form].cpu += workersCpu(nginx.masterPid) - cpu0;
            }
        }
        const rate = (f: Form) => total[f].n / (ROUNDS * SECONDS);
        const cpuPer = (f: Form) => (total[f].cpu / total[f].n) * 1e6;
        line("static_handshakes_per_s", rate("static"), "handshakes/s");
        line("variable_cached_handshakes_per_s", rate("variable"), "handshakes/s");
        line("handshake_rate_ratio", rate("variable") / rate("static"), "ratio");
        line("static_nginx_cpu_per_handshake", cpuPer("static"), "us");
        line("variable_cached_nginx_cpu_per_handshake", cpuPer("variable"), "us");
        line("nginx_cpu_per_handshake_ratio", cpuPer("variable") / cpuPer("static"), "ratio");
    } finally {
        await nginx?.stop();
        h.cleanup(sb);
    }
}

if (require.main === module) {
    benchTlsHandshake((l) => console.log(JSON.stringify(l))).catch((err) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    });
}
