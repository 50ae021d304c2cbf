// Local stand-ins for where alerts go: an HTTPS webhook receiver and an SMTP relay that speaks
// STARTTLS and AUTH PLAIN, both on 127.0.0.1 with a throwaway certificate the status program is
// told to trust (SSL_CERT_FILE). They record what arrives; nothing leaves the machine.
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { ok } from "./ops";

export interface TestCertificate {
    readonly certFile: string;
    readonly key: Buffer;
    readonly cert: Buffer;
}

/** A self-signed certificate for 127.0.0.1 (its IP in the SAN, as hostname checks want). */
export function certificateFor127(dir: string): TestCertificate {
    const keyFile = path.join(dir, "sink.key"), certFile = path.join(dir, "sink.pem");
    ok("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile]);
    return { certFile, key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
}

export interface Webhook {
    readonly posts: { path: string; body: any }[];
    start(): Promise<void>;
    stop(): Promise<void>;
}

/** Answers 204 to every POST and keeps its JSON body; stop() and start() again on the same port. */
export function webhookReceiver(c: TestCertificate, port: number): Webhook {
    const posts: { path: string; body: any }[] = [];
    let server: https.Server | undefined;
    return {
        posts,
        start: () =>
            new Promise((resolve) => {
                server = https.createServer({ key: c.key, cert: c.cert }, (req, res) => {
                    let text = "";
                    req.on("data", (d) => (text += d));
                    req.on("end", () => {
                        posts.push({ path: req.url ?? "", body: JSON.parse(text) });
                        res.writeHead(204).end();
                    });
                });
                server.listen(port, "127.0.0.1", () => resolve());
            }),
        stop: () => new Promise((resolve) => (server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve())),
    };
}

export interface Mail {
    readonly from: string;
    readonly to: string[];
    readonly data: string;
    /** user and password from AUTH PLAIN, and whether TLS was on when they came. */
    readonly auth?: { user: string; password: string; tls: boolean };
}

/** An SMTP relay: EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT; it keeps each message. */
export async function smtpSink(c: TestCertificate, port: number): Promise<{ mails: Mail[]; close(): void }> {
    const mails: Mail[] = [];
    const server = net.createServer((raw) => {
        let socket: net.Socket = raw;
        let secure = false, buffer = "", inData = false, data = "";
        let mail: { from: string; to: string[]; auth?: Mail["auth"] } = { from: "", to: [] };
        const say = (line: string) => socket.write(line + "\r\n");
        const onData = (chunk: Buffer) => {
            buffer += chunk.toString("utf8");
            let i: number;
            while ((i = buffer.indexOf("\r\n")) >= 0) {
                const line = buffer.slice(0, i);
                buffer = buffer.slice(i + 2);
                if (inData) {
                    if (line === ".") {
                        inData = false;
                        mails.push({ ...mail, data });
                        mail = { from: "", to: [], auth: mail.auth };
                        say("250 queued");
                    } else data += line.replace(/^\./, "") + "\n";
                    continue;
                }
                const verb = line.split(" ")[0].toUpperCase();
                if (verb === "EHLO") {
                    say("250-sink");
                    say(secure ? "250 AUTH PLAIN" : "250 STARTTLS");
                } else if (verb === "STARTTLS") {
                    say("220 go ahead");
                    raw.removeListener("data", onData);
                    socket = new tls.TLSSocket(raw, { isServer: true, key: c.key, cert: c.cert });
                    secure = true;
                    socket.on("data", onData);
                } else if (verb === "AUTH") {
                    const [, user, password] = Buffer.from(line.split(" ")[2] ?? "", "base64").toString("utf8").split("\0");
                    mail.auth = { user, password, tls: secure };
                    say("235 ok");
                } else if (verb === "MAIL") {
                    mail.from = /<([^>]*)>/.exec(line)?.[1] ?? "";
                    say("250 ok");
                } else if (verb === "RCPT") {
                    mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
                    say("250 ok");
                } else if (verb === "DATA") {
                    inData = true;
                    data = "";
                    say("354 go on");
                } else if (verb === "QUIT") {
                    say("221 bye");
                    socket.end();
                } else say("250 ok");
            }
        };
        raw.on("data", onData);
        raw.on("error", () => undefined);
        say("220 sink ESMTP");
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return { mails, close: () => server.close() };
}
