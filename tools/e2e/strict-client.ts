// A client that never retries: keep-alive connections, one request at a time per worker, and any
// request without an answer counts as failed. autocannon (like browsers, for idempotent requests)
// resends a request whose keep-alive connection was closed under it; this client shows what a
// client that does not retry would see.
import * as http from "node:http";
import * as https from "node:https";

export interface StrictResult {
    readonly requests: number;
    readonly failed: number;
    readonly non2xx: number;
    /** First few failure messages, for the report. */
    readonly errors: string[];
}

export function startStrictClient(baseUrl: string, paths: string[], workers = 4, pauseMs = 40): { stop(): Promise<StrictResult> } {
    const url = new URL(baseUrl);
    const lib = url.protocol === "https:" ? https : http;
    let running = true;
    let requests = 0;
    let failed = 0;
    let non2xx = 0;
    const errors: string[] = [];
    const once = (agent: http.Agent, path: string) =>
        new Promise<void>((resolve) => {
            const req = lib.request({ host: url.hostname, port: url.port, path, agent, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
                res.resume();
                res.on("end", () => {
                    requests++;
                    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) non2xx++;
                    resolve();
                });
                res.on("error", (err) => fail(err));
            });
            const fail = (err: Error) => {
                requests++;
                failed++;
                if (errors.length < 5) errors.push(`${path}: ${err.message}`);
                resolve();
            };
            req.on("error", fail);
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.end();
        });
    const loops = Array.from({ length: workers }, async (_, w) => {
        const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
        for (let i = w; running; i++) {
            await once(agent, paths[i % paths.length]);
            await new Promise((r) => setTimeout(r, pauseMs));
        }
        agent.destroy();
    });
    return {
        async stop() {
            running = false;
            await Promise.all(loops);
            return { requests, failed, non2xx, errors };
        },
    };
}
