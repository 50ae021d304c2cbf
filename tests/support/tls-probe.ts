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
    /** A certificate-verifying keep-alive client running beside autocannon. */
    readonly verified: { ok: number; unanswered: number; failed: number; otherErrors: string[]; certificates: number };
}

/** Runs autocannon and a verifying client; `during` starts one second in; load goes on `after` seconds past it. */
export async function underLoad(o: { port: number; path: string; servername: string; caFile: string; after: number }, during: () => Promise<void>): Promise<LoadResult> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const autocannon = require("autocannon");
    const ca = fs.readFileSync(o.caFile);
    const verified = { ok: 0, unanswered: 0, failed: 0, otherErrors: [] as string[], fingerprints: new Set<string>() };
    let stop = false;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
    // A GET the server closed the connection on without answering is retried on a new
    // connection (up to 3 attempts), as RFC 9110 (9.2.2) allows for idempotent requests and as
    // autocannon does silently. nginx (1.22 and 1.30 alike), on reload, closes connections of its old workers that
    // have no request in progress (idle keep-alive and just-accepted ones): a request racing that
    // close gets no answer. Every such close is counted in `unanswered`; `failed` counts requests
    // still unanswered after 3 attempts; anything else (TLS error, non-200) goes to `otherErrors`.
    const one = (attempt = 1) =>
        new Promise<void>((resolve) => {
            const req = https.get({ host: "127.0.0.1", port: o.port, path: o.path, servername: o.servername, ca, agent }, (res) => {
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
                if (err.code !== "ECONNRESET") {
                    verified.otherErrors.push(`${err.code}: ${err.message}`);
                    return resolve();
                }
                verified.unanswered++;
                if (attempt < 3) return void one(attempt + 1).then(resolve);
                verified.failed++;
                resolve();
            });
        });
    const workers = Array.from({ length: 4 }, async () => {
        while (!stop) await one();
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
        verified: { ok: verified.ok, unanswered: verified.unanswered, failed: verified.failed, otherErrors: [...new Set(verified.otherErrors)], certificates: verified.fingerprints.size },
    };
}
