// Steady load through nginx while something happens, counting every request that fails or is not 2xx.
import autocannon from "autocannon";
import { startStrictClient, StrictResult } from "./strict-client";

export interface LoadResult {
    /** Requests answered (any status). */
    readonly requests: number;
    /** Connection errors and timeouts: requests with no answer. */
    readonly failed: number;
    readonly non2xx: number;
    readonly seconds: number;
    readonly rps: number;
    /** When autocannon started and when it says it finished (epoch ms). */
    readonly startedAt: number;
    readonly endedAt: number;
    /** The same traffic seen by a client that never retries (see strict-client.ts). */
    readonly strict: StrictResult;
}

export interface Load {
    stop(): Promise<LoadResult>;
}

/** Past this many connection errors the target is down, not flaky: stop instead of spinning. */
const MAX_ERRORS = 2000;

/** Sends `rate` requests per second in total, spread over `paths`, until stopped (at most maxSeconds). */
export function startLoad(baseUrl: string, paths: string[], rate = 400, maxSeconds = 300): Load {
    const started = Date.now();
    const strict = startStrictClient(baseUrl, paths);
    let instance!: autocannon.Instance;
    const done = new Promise<autocannon.Result>((resolve, reject) => {
        instance = autocannon(
            { url: baseUrl, connections: 8, overallRate: rate, duration: maxSeconds, timeout: 10, requests: paths.map((path) => ({ method: "GET", path })) },
            (err, result) => (err ? reject(err) : resolve(result)),
        );
        let errors = 0;
        instance.on("reqError", () => {
            if (++errors === MAX_ERRORS) instance.stop();
        });
    });
    return {
        async stop() {
            instance.stop();
            const [r, strictResult] = await Promise.all([done, strict.stop()]);
            const seconds = (Date.now() - started) / 1000;
            return { requests: r.requests.total, failed: r.errors + r.timeouts, non2xx: r.non2xx, seconds, rps: Math.round(r.requests.total / seconds), startedAt: new Date(r.start).getTime(), endedAt: new Date(r.finish).getTime(), strict: strictResult };
        },
    };
}
