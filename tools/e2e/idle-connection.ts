// One keep-alive connection that sends a request, then sits idle while something happens on the
// server, then sends its next request on the same connection, as a client that never retries does.
// Whether that second request is answered is deterministic: a graceful nginx reload closes every
// idle connection of the old workers at once; a change nginx sees per request keeps them open.
import * as net from "node:net";
import * as tls from "node:tls";

export interface IdleOutcome {
    /** nginx closed the connection while the client was idle. */
    readonly closedWhileIdle: boolean;
    /** The status of the request sent after the idle time, or null when it got no answer. */
    readonly secondStatus: number | null;
    readonly error: string;
}

const request = (host: string, path: string) => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`;

/** Opens the connection and completes one request; `next()` later sends the second on it. */
export async function idleConnection(baseUrl: string, path: string): Promise<{ next(): Promise<IdleOutcome> }> {
    const url = new URL(baseUrl);
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ...(net.isIP(url.hostname) ? {} : { servername: url.hostname }), rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    let buffer = "";
    let ended = false;
    let waiting: ((status: number | null, error: string) => void) | null = null;
    // One response at a time: the status line, headers, then exactly Content-Length bytes.
    const complete = () => {
        const head = buffer.indexOf("\r\n\r\n");
        if (head < 0) return null;
        const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
        if (Buffer.byteLength(buffer.slice(head + 4)) < length) return null;
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer)?.[1] ?? 0);
        buffer = "";
        return status;
    };
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
        buffer += d;
        const status = complete();
        if (status !== null && waiting) waiting(status, "");
    });
    const gone = (error: string) => {
        ended = true;
        if (waiting) waiting(null, error);
    };
    socket.on("end", () => gone("closed by the server"));
    socket.on("error", (e) => gone(e.message));
    const send = () =>
        new Promise<{ status: number | null; error: string }>((resolve) => {
            const timer = setTimeout(() => done(null, "no answer within 10s"), 10_000);
            const done = (status: number | null, error: string) => {
                clearTimeout(timer);
                waiting = null;
                resolve({ status, error });
            };
            waiting = done;
            socket.write(request(url.hostname, path), (err) => err && done(null, err.message));
        });
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
    const first = await send();
    if (first.status !== 200) throw new Error(`idle connection: the first request got ${first.status ?? first.error}`);
    return {
        async next() {
            const closedWhileIdle = ended;
            const second = ended ? { status: null, error: "the connection was already closed" } : await send();
            socket.destroy();
            return { closedWhileIdle, secondStatus: second.status, error: second.error };
        },
    };
}
