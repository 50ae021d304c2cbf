// Minimal HTTP(S) client for the nginx tests: accepts the bootstrap self-signed certificate and
// never follows redirects, so tests see exactly what nginx answered.
import * as http from "node:http";
import * as https from "node:https";
import * as zlib from "node:zlib";

export interface Reply {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
        const req = mod.request(u, { method: "GET", headers, rejectUnauthorized: false, agent: false, servername: headers.host?.split(":")[0] }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                let buf = Buffer.concat(chunks);
                if (res.headers["content-encoding"] === "gzip") buf = zlib.gunzipSync(buf);
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf.toString("utf8") });
            });
        });
        req.on("error", reject);
        req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)));
        req.end();
    });
}
