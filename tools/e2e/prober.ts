// Watches routes while something disruptive happens (nginx or PostgreSQL replaced): each route is
// asked every `intervalMs` on a fresh connection, and every answer is timed. The outage is the
// span from the first failed answer to the last one; lost is how many failed.
import * as https from "node:https";
import * as http from "node:http";

export interface ProbeResult {
    readonly requests: number;
    /** Requests without a 2xx answer (no answer at all included). */
    readonly lost: number;
    /** Seconds from the first failure to the last (0 when none failed). */
    readonly outageSeconds: number;
    /** Per route: its requests and failures. */
    readonly routes: Record<string, { requests: number; lost: number }>;
}

export interface Writer {
    /** longestMs: the longest one request took (a write held by the pooler's pause shows here). */
    stop(): Promise<{ requests: number; ok: number; failed: number; outageSeconds: number; longestMs: number }>;
}

function ask(url: URL, method = "GET", body?: string, agent?: http.Agent): Promise<number> {
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve) => {
        const req = lib.request(url, { method, agent: agent ?? false, rejectUnauthorized: false, timeout: 5000, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
            res.on("error", () => resolve(0));
        });
        req.on("error", () => resolve(0));
        req.on("timeout", () => req.destroy());
        req.end(body);
    });
}

export function startProber(baseUrl: string, paths: readonly string[], intervalMs = 100): { stop(): Promise<ProbeResult> } {
    let running = true;
    const routes: ProbeResult["routes"] = Object.fromEntries(paths.map((p) => [p, { requests: 0, lost: 0 }]));
    let first = 0;
    let last = 0;
    const loops = paths.map(async (p) => {
        while (running) {
            const started = Date.now();
            const status = await ask(new URL(p, baseUrl));
            routes[p].requests++;
            if (status < 200 || status > 299) {
                routes[p].lost++;
                first ||= started;
                last = Date.now();
            }
            await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
        }
    });
    return {
        async stop() {
            running = false;
            await Promise.all(loops);
            const all = Object.values(routes);
            return { requests: all.reduce((a, r) => a + r.requests, 0), lost: all.reduce((a, r) => a + r.lost, 0), outageSeconds: first ? (last - first) / 1000 : 0, routes };
        },
    };
}

/**
 * POSTs one after another on a keep-alive connection without retrying; each 2xx is one committed
 * write the backend acknowledged (the demo backend inserts a row per request).
 */
export function startWriter(url: string): Writer {
    let running = true;
    let requests = 0;
    let ok = 0;
    let first = 0;
    let last = 0;
    let longestMs = 0;
    const agent = new (url.startsWith("https") ? https : http).Agent({ keepAlive: true, maxSockets: 1 });
    const loop = (async () => {
        while (running) {
            const started = Date.now();
            const status = await ask(new URL(url), "POST", '{"client":"writer"}', agent);
            longestMs = Math.max(longestMs, Date.now() - started);
            requests++;
            if (status >= 200 && status <= 299) ok++;
            else {
                first ||= started;
                last = Date.now();
                await new Promise((r) => setTimeout(r, 50));
            }
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            agent.destroy();
            return { requests, ok, failed: requests - ok, outageSeconds: first ? (last - first) / 1000 : 0, longestMs };
        },
    };
}
