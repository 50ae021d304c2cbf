// What a client sees over HTTPS: the served certificate, and request failures while load runs.
import * as fs from "node:fs";
import * as https from "node:https";
import * as tls from "node:tls";

export interface Served {
    readonly issuer: string;
    readonly names: string[];
    readonly fingerprint: string;
    /** Verified against the given CA, for the given name. */
    readonly authorized: boolean;
    readonly error?: string;
}

const dn = (o: Record<string, string | string[]>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(",");

export function servedCertificate(port: number, servername: string, caFile: string): Promise<Served> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port, servername, ca: fs.readFileSync(caFile), rejectUnauthorized: false }, () => {
            const c = s.getPeerCertificate();
            const identity = tls.checkServerIdentity(servername, c);
            const error = s.authorizationError ? String(s.authorizationError) : identity?.message;
            resolve({
                issuer: dn(c.issuer as any),
                names: (c.subjectaltname ?? "").split(", ").filter(Boolean).map((n) => n.replace(/^DNS:/, "")).sort(),
                fingerprint: c.fingerprint256,
                authorized: s.authorized && !identity,
                error,
            });
            s.end();
        });
        s.on("error", reject);
    });
}

export interface LoadResult {
    readonly autocannon: { requests: number; errors: number; timeouts: number; non2xx: number; p99Ms: number; seconds: number };
    /**
     * A certificate-verifying client beside autocannon, as a browser behaves: keep-alive requests,
     * and requests each on a new connection (a new TLS handshake).
     */
    readonly verified: {
        ok: number;
        /** Keep-alive requests closed unanswered on a reused connection, each retried once on a new connection. */
        retried: number;
        /** Requests nothing answered: closed unanswered on a new connection, or again on the retry. */
        failed: number;
        failures: string[];
        /** TLS errors, refused connections, non-200 answers. */
        otherErrors: string[];
        /** Every certificate (SHA-256 fingerprint) an answer came over. */
        fingerprints: string[];
    };
}

/** The verifying client's keep-alive connections: at most this many are open when nginx reloads. */
export const KEEP_ALIVE_CONNECTIONS = 4;

/** Runs autocannon and a verifying client; `during` starts one second in; load goes on `after` seconds past it. */
export async function underLoad(o: { port: number; path: string; servername: string; caFile: string; after: number }, during: () => Promise<void>): Promise<LoadResult> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const autocannon = require("autocannon");
    const ca = fs.readFileSync(o.caFile);
    const verified = { ok: 0, retried: 0, failed: 0, failures: [] as string[], otherErrors: [] as string[], fingerprints: new Set<string>() };
    let stop = false;
    const agent = new https.Agent({ keepAlive: true, maxSockets: KEEP_ALIVE_CONNECTIONS });
    // nginx, on reload, closes its old workers' idle keep-alive connections; a request sent on one
    // as it closes gets no answer. Browsers (and Node's docs) retry a request that a reused
    // connection closed unanswered, once, on a new connection; this client does the same. Any
    // other unanswered request (on a new connection, or its retry) is `failed`.
    const one = (fresh: boolean, retry = false) =>
        new Promise<void>((resolve) => {
            const req = https.get({ host: "127.0.0.1", port: o.port, path: o.path, servername: o.servername, ca, agent: fresh ? false : agent }, (res) => {
                const fp = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
                res.resume();
                res.on("end", () => {
                    if (res.statusCode === 200) verified.ok++;
                    else verified.otherErrors.push(`status ${res.statusCode}`);
                    if (fp) verified.fingerprints.add(fp);
                    resolve();
                });
            });
            req.on("error", (err: NodeJS.ErrnoException) => {
                if (err.code !== "ECONNRESET" && err.code !== "EPIPE") {
                    verified.otherErrors.push(`${err.code}: ${err.message}`);
                    return resolve();
                }
                if (req.reusedSocket && !retry) {
                    verified.retried++;
                    return void one(true, true).then(resolve);
                }
                verified.failed++;
                verified.failures.push(`${retry ? "the retry's" : "a"} new connection closed unanswered (${err.code})`);
                resolve();
            });
        });
    // A worker per keep-alive connection, and two that open a new connection for every request.
    const workers = [...Array(KEEP_ALIVE_CONNECTIONS).fill(false), true, true].map(async (fresh: boolean) => {
        while (!stop) await one(fresh);
    });
    let instance: any;
    // Long enough never to end by itself: stopped once `during` is done and `after` has passed.
    const result: any = await new Promise((resolve, reject) => {
        instance = autocannon({ url: `https://127.0.0.1:${o.port}${o.path}`, servername: o.servername, connections: 16, duration: 600 }, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)));
        setTimeout(() => during().finally(() => setTimeout(() => instance.stop(), o.after * 1000)), 1000);
    });
    stop = true;
    await Promise.all(workers);
    agent.destroy();
    return {
        autocannon: { requests: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, p99Ms: result.latency.p99, seconds: result.duration },
        verified: { ...verified, failures: [...new Set(verified.failures)], otherErrors: [...new Set(verified.otherErrors)], fingerprints: [...verified.fingerprints] },
    };
}
