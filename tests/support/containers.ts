// For tests that run containers: docker with its output, waiting for a condition, a container's
// address, and HTTP requests to it straight from the test process (no curl in the image needed).
import { spawn } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";

const BUILD_SCRIPT = path.resolve(__dirname, "images/build.sh");

export interface Result { code: number; stdout: string; stderr: string }

export function exec(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? -1, stdout, stderr });
        });
        // A child that exits before reading its input (docker refusing the exec) closes the pipe:
        // its exit code says what happened; EPIPE would otherwise be an uncaught exception.
        child.stdin.on("error", () => {});
        child.stdin.end(opts.input ?? "");
    });
}

/** Builds the local test images (build.sh, then its demo-images.sh); a warm run takes about a second. */
export async function buildTestImages(): Promise<void> {
    const build = await exec("bash", [BUILD_SCRIPT], { timeoutMs: 15 * 60_000 });
    if (build.code !== 0) throw new Error(`${BUILD_SCRIPT} failed:\n${build.stderr}${build.stdout}`);
}

/** Runs docker; throws with its output unless it exits 0 (or `allowFail`). */
export async function docker(args: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): Promise<Result> {
    const r = await exec("docker", args, opts);
    if (r.code !== 0 && !opts.allowFail) {
        throw new Error(`docker ${args.join(" ")} exited ${r.code}\n${r.stderr}${r.stdout}`);
    }
    return r;
}

/** Polls `probe` every 250 ms until it returns a value (errors count as "not yet"). */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

/** The container's address on `network` (reachable from the host on Linux). */
export async function containerIp(name: string, network: string): Promise<string> {
    const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name])).stdout.trim();
    if (!ip) throw new Error(`container ${name} has no address on ${network}`);
    return ip;
}

/** Removes every container whose name starts with `prefix`, with its anonymous volumes. */
export async function removeContainersNamed(prefix: string): Promise<void> {
    const ids = (await docker(["ps", "-aq", "--filter", `name=^${prefix}`], { allowFail: true })).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await docker(["rm", "-fv", ...ids], { allowFail: true });
}

export interface Answer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
    /** True when the request went over a kept-alive connection that served an earlier one. */
    readonly reusedSocket: boolean;
}

export function request(url: string, opts: { method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent; timeoutMs?: number } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const headers = { ...opts.headers, ...(opts.body !== undefined ? { "content-length": String(Buffer.byteLength(opts.body)) } : {}) };
        const req = http.request(url, { method: opts.method ?? "GET", headers, agent: opts.agent ?? false }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => { body += c; });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }));
        });
        req.on("error", reject);
        req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${opts.method ?? "GET"} ${url}`)));
        req.end(opts.body);
    });
}

/** The answer's body as JSON (with the body in the error when it is not). */
export function json(answer: Answer): any {
    try {
        return JSON.parse(answer.body);
    } catch {
        throw new Error(`not JSON (HTTP ${answer.status}): ${answer.body.slice(0, 200)}`);
    }
}
