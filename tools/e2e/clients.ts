// Load from clients this project did not write, none of which retries: wrk (HTTP/1.1 keep-alive,
// GET or POST) and h2load (HTTP/2 over TLS). Each runs at a fixed pace, for at most a given
// duration, and reports what it saw; `failed` counts requests that got no answer. wrk can be
// stopped early (it prints its summary on SIGINT); h2load cannot (SIGINT kills it silently).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface ClientResult {
    readonly client: string;
    readonly requests: number;
    /** Requests with no answer: connection errors, resets, timeouts. */
    readonly failed: number;
    /** Answers outside 2xx/3xx. */
    readonly non2xx: number;
    /** When it was started (epoch ms) and how long it says it ran: it sent load over that span. */
    readonly startedAt: number;
    readonly seconds: number;
    readonly output: string;
}

export interface RunningClient {
    readonly done: Promise<ClientResult>;
    /** Ends the run now, keeping its summary (wrk only: h2load runs its whole duration). */
    readonly stop?: () => Promise<ClientResult>;
}

function collect(cmd: string, args: string[]): { out: Promise<string>; interrupt: () => void } {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out = new Promise<string>((resolve, reject) => {
        let text = "";
        child.stdout.on("data", (d) => (text += d));
        child.stderr.on("data", (d) => (text += d));
        child.on("error", reject);
        child.on("close", () => resolve(text));
    });
    return { out, interrupt: () => void child.kill("SIGINT") };
}

const num = (re: RegExp, text: string) => Number(re.exec(text)?.[1] ?? 0);
const UNIT_SECONDS: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
/** A duration as wrk and h2load print it ("3.06s", "850.12ms", "1.02m"), in seconds; 0 if absent. */
const duration = (re: RegExp, text: string) => {
    const m = re.exec(text);
    return m ? Number(m[1]) * (UNIT_SECONDS[m[2]] ?? NaN) : 0;
};

/** Each connection waits `pauseMs` between its requests (wrk's delay()), so the pace is fixed. */
function wrkScript(method: "GET" | "POST", pauseMs: number): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wrk-")), "script.lua");
    const post = method === "POST" ? `wrk.method = "POST"\nwrk.body = '{"client":"wrk"}'\nwrk.headers["Content-Type"] = "application/json"\n` : "";
    fs.writeFileSync(file, `${post}function delay() return ${pauseMs} end\n`);
    return file;
}

/** wrk: HTTP/1.1 keep-alive connections that never retry. */
export function startWrk(url: string, o: { seconds: number; connections?: number; method?: "GET" | "POST"; pauseMs?: number }): RunningClient {
    const script = wrkScript(o.method ?? "GET", o.pauseMs ?? 20);
    const startedAt = Date.now();
    const child = collect("wrk", ["-t1", `-c${o.connections ?? 4}`, `-d${o.seconds}s`, "--timeout", "10s", "-s", script, url]);
    const done = child.out.then((out) => {
        fs.rmSync(path.dirname(script), { recursive: true, force: true });
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        const failed = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
        if (!/requests in/.test(out)) throw new Error(`wrk did not run: ${out}`);
        const seconds = duration(/requests in ([\d.]+)(us|ms|s|m|h),/, out);
        return { client: `wrk ${o.method ?? "GET"}`, requests: num(/(\d+) requests in/, out), failed, non2xx: num(/Non-2xx or 3xx responses: (\d+)/, out), startedAt, seconds, output: out.trim() };
    });
    return { done, stop: () => (child.interrupt(), done) };
}

/** h2load: HTTP/2 streams over TLS, `clients` connections each at `rps` requests per second. */
export function startH2load(url: string, o: { seconds: number; clients?: number; rps?: number }): RunningClient {
    const clients = o.clients ?? 2;
    const startedAt = Date.now();
    const done = collect("h2load", [`-c${clients}`, `-m${clients}`, "--rps", String(o.rps ?? 50), "-D", String(o.seconds), url]).out.then((out) => {
        const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
        if (!m) throw new Error(`h2load did not run: ${out}`);
        const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
        // "failed" includes non-2xx answers; errored and timeout had no answer.
        const seconds = duration(/finished in ([\d.]+)(us|ms|s|m|h),/, out);
        return { client: "h2load", requests: Number(m[3]), failed: Number(m[6]) + Number(m[7]), non2xx: codes ? Number(codes[3]) + Number(codes[4]) : 0, startedAt, seconds, output: out.trim() };
    });
    return { done };
}
