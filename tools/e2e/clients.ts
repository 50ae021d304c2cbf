// Load from clients this project did not write, none of which retries: wrk (HTTP/1.1 keep-alive,
// GET or POST) and h2load (HTTP/2 over TLS). Each runs for a fixed duration at a fixed pace and
// reports what it saw; `failed` counts requests that got no answer.
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
    readonly output: string;
}

export interface RunningClient {
    readonly done: Promise<ClientResult>;
}

function collect(cmd: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", () => resolve(out));
    });
}

const num = (re: RegExp, text: string) => Number(re.exec(text)?.[1] ?? 0);

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
    const done = collect("wrk", ["-t1", `-c${o.connections ?? 4}`, `-d${o.seconds}s`, "--timeout", "10s", "-s", script, url]).then((out) => {
        fs.rmSync(path.dirname(script), { recursive: true, force: true });
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        const failed = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
        if (!/requests in/.test(out)) throw new Error(`wrk did not run: ${out}`);
        return { client: `wrk ${o.method ?? "GET"}`, requests: num(/(\d+) requests in/, out), failed, non2xx: num(/Non-2xx or 3xx responses: (\d+)/, out), output: out.trim() };
    });
    return { done };
}

/** h2load: HTTP/2 streams over TLS, `clients` connections each at `rps` requests per second. */
export function startH2load(url: string, o: { seconds: number; clients?: number; rps?: number }): RunningClient {
    const clients = o.clients ?? 2;
    const done = collect("h2load", [`-c${clients}`, `-m${clients}`, "--rps", String(o.rps ?? 50), "-D", String(o.seconds), url]).then((out) => {
        const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
        if (!m) throw new Error(`h2load did not run: ${out}`);
        const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
        // "failed" includes non-2xx answers; errored and timeout had no answer.
        return { client: "h2load", requests: Number(m[3]), failed: Number(m[6]) + Number(m[7]), non2xx: codes ? Number(codes[3]) + Number(codes[4]) : 0, output: out.trim() };
    });
    return { done };
}
