// A client that behaves as browsers do: keep-alive connections, and a request whose reused
// keep-alive connection was closed under it (reset, or closed before any answer) is sent once more
// on a new connection, as RFC 9110 9.2.2 allows for idempotent requests. Any other error, a second
// failure, or a refused connection counts as failed; refused connections are also counted apart.
import * as http from "node:http";
import * as https from "node:https";

export interface BrowserResult {
    readonly requests: number;
    readonly failed: number;
    readonly refused: number;
    readonly non2xx: number;
    /** Requests answered only on their one retry. */
    readonly retried: number;
    readonly errors: string[];
}

interface Attempt { status?: number; error?: NodeJS.ErrnoException; reused: boolean }

export function startBrowserClient(baseUrl: string, paths: string[], workers = 4, pauseMs = 40): { stop(): Promise<BrowserResult> } {
    const url = new URL(baseUrl);
    const lib = url.protocol === "https:" ? https : http;
    let running = true;
    const r = { requests: 0, failed: 0, refused: 0, non2xx: 0, retried: 0, errors: [] as string[] };
    const attempt = (agent: http.Agent, path: string) =>
        new Promise<Attempt>((resolve) => {
            const req = lib.request({ host: url.hostname, port: url.port, path, agent, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
                res.resume();
                res.on("end", () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
                res.on("error", (error) => resolve({ error, reused: req.reusedSocket }));
            });
            req.on("error", (error) => resolve({ error, reused: req.reusedSocket }));
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.end();
        });
    const closedUnder = (a: Attempt) => a.reused && !!a.error && (a.error.code === "ECONNRESET" || a.error.code === "EPIPE" || /socket hang up/.test(a.error.message));
    const once = async (agent: http.Agent, path: string) => {
        let a = await attempt(agent, path);
        if (closedUnder(a)) {
            a = await attempt(agent, path);
            if (!a.error) r.retried++;
        }
        r.requests++;
        if (a.error) {
            r.failed++;
            if (a.error.code === "ECONNREFUSED") r.refused++;
            if (r.errors.length < 5) r.errors.push(`${path}: ${a.error.code ?? ""} ${a.error.message}`);
        } else if ((a.status ?? 0) < 200 || (a.status ?? 0) > 299) r.non2xx++;
    };
    const loops = Array.from({ length: workers }, async (_, w) => {
        const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
        for (let i = w; running; i++) {
            await once(agent, paths[i % paths.length]);
            await new Promise((res) => setTimeout(res, pauseMs));
        }
        agent.destroy();
    });
    return {
        async stop() {
            running = false;
            await Promise.all(loops);
            return { ...r, errors: [...r.errors] };
        },
    };
}
