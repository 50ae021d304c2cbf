// Steady load through nginx while something happens, counting every request that fails or is not 2xx.
import autocannon from "autocannon";

export interface LoadResult {
    /** Requests answered (any status). */
    readonly requests: number;
    /** Connection errors and timeouts: requests with no answer. */
    readonly failed: number;
    readonly non2xx: number;
    readonly seconds: number;
    readonly rps: number;
}

export interface Load {
    stop(): Promise<LoadResult>;
}

/** Sends `rate` requests per second in total, spread over `paths`, until stopped (at most maxSeconds). */
export function startLoad(baseUrl: string, paths: string[], rate = 400, maxSeconds = 600): Load {
    const started = Date.now();
    let instance!: autocannon.Instance;
    const done = new Promise<autocannon.Result>((resolve, reject) => {
        instance = autocannon(
            { url: baseUrl, connections: 8, overallRate: rate, duration: maxSeconds, timeout: 10, requests: paths.map((path) => ({ method: "GET", path })) },
            (err, result) => (err ? reject(err) : resolve(result)),
        );
    });
    return {
        async stop() {
            instance.stop();
            const r = await done;
            const seconds = (Date.now() - started) / 1000;
            return { requests: r.requests.total, failed: r.errors + r.timeouts, non2xx: r.non2xx, seconds, rps: Math.round(r.requests.total / seconds) };
        },
    };
}
