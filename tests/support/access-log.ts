// Lines of nginx's access log in the platform's own format (render/nginx/config.ts LOG_FORMAT), for
// tests of what reads it (the release's watch): the format's text with nginx's variables filled in.
import { LOG_FORMAT } from "../../render/nginx/config";

const TEMPLATE = [...LOG_FORMAT.matchAll(/'([^']*)'/g)].map((m) => m[1]).join("");

export interface Response {
    /** The upstream server nginx sent the request to, IP:PORT. */
    readonly upstreamAddr: string;
    readonly status: number;
    /** When nginx logged it, epoch milliseconds. @default now */
    readonly at?: number;
}

/** One line as nginx writes it (newline included). */
export function accessLogLine(r: Response): string {
    const at = r.at ?? Date.now();
    const vars: Record<string, string> = {
        time_iso8601: new Date(at).toISOString().replace(/\.\d+Z$/, "+00:00"),
        remote_addr: "203.0.113.7",
        host: "example.test",
        request_method: "GET",
        request_uri: "/api/app1/items",
        status: String(r.status),
        body_bytes_sent: "17",
        request_time: "0.002",
        upstream_addr: r.upstreamAddr,
        upstream_status: String(r.status),
        upstream_response_time: "0.002",
        http_user_agent: "release-test",
        msec: (at / 1000).toFixed(3),
    };
    const line = TEMPLATE.replace(/\$([a-z0-9_]+)/g, (_, name: string) => {
        if (!(name in vars)) throw new Error(`accessLogLine: no value for nginx variable $${name} of LOG_FORMAT`);
        return vars[name];
    });
    JSON.parse(line); // the format must stay one JSON object per line
    return `${line}\n`;
}

/** `count` responses with the given status, as one block of lines. */
export const responses = (count: number, r: Response) => accessLogLine(r).repeat(count);
