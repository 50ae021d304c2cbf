// A real ACME server on loopback: Debian's pebble, with pebble-challtestsrv answering DNS for
// every name with 127.0.0.1 (docs/engine-notes.md, section 8).
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";

export interface Pebble {
    readonly directoryUrl: string;
    /** Pebble's own HTTPS certificate: certbot trusts it through REQUESTS_CA_BUNDLE. */
    readonly listenerCaFile: string;
    /** The root that signs issued certificates (it changes every start). */
    readonly rootCaFile: string;
    stop(): void;
}

export interface PebblePorts {
    readonly acme: number;
    readonly management: number;
    readonly dns: number;
    readonly dnsManagement: number;
    /** Where Pebble's validator fetches HTTP-01 challenges: nginx's port 80 stands here. */
    readonly http: number;
}

function get(url: string, ca: string): Promise<string> {
    return new Promise((resolve, reject) => {
        https.get(url, { ca }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
        }).on("error", reject);
    });
}

async function until<T>(what: string, f: () => Promise<T>, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
        try {
            return await f();
        } catch (err) {
            if (Date.now() > end) throw new Error(`${what}: ${String(err)}`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}

/** @param validitySeconds lifetime of issued certificates */
export async function startPebble(dir: string, ports: PebblePorts, validitySeconds: number): Promise<Pebble> {
    fs.mkdirSync(dir, { recursive: true });
    const cert = path.join(dir, "listener.pem");
    const key = path.join(dir, "listener-key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert], { stdio: "ignore" });
    const config = path.join(dir, "pebble.json");
    fs.writeFileSync(config, JSON.stringify({
        pebble: {
            listenAddress: `127.0.0.1:${ports.acme}`,
            managementListenAddress: `127.0.0.1:${ports.management}`,
            certificate: cert,
            privateKey: key,
            httpPort: ports.http,
            tlsPort: 5001,
            ocspResponderURL: "",
            externalAccountBindingRequired: false,
            certificateValidityPeriod: validitySeconds,
        },
    }));
    const procs: ChildProcess[] = [];
    const log = fs.openSync(path.join(dir, "pebble.log"), "a");
    // No AAAA answers: nginx is published on 127.0.0.1 only.
    procs.push(spawn("pebble-challtestsrv", ["-dns01", `127.0.0.1:${ports.dns}`, "-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv6", "", "-management", `127.0.0.1:${ports.dnsManagement}`], { stdio: ["ignore", log, log] }));
    procs.push(spawn("pebble", ["-config", config, "-dnsserver", `127.0.0.1:${ports.dns}`], {
        stdio: ["ignore", log, log],
        // No random validation delays, no deliberately rejected nonces: deterministic and fast.
        env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" },
    }));
    const stop = () => procs.forEach((p) => p.exitCode === null && p.kill());
    try {
        const ca = fs.readFileSync(cert, "utf8");
        const directoryUrl = `https://127.0.0.1:${ports.acme}/dir`;
        await until("pebble directory", () => get(directoryUrl, ca));
        const root = await until("pebble root", () => get(`https://127.0.0.1:${ports.management}/roots/0`, ca));
        const rootCaFile = path.join(dir, "root.pem");
        fs.writeFileSync(rootCaFile, root);
        return { directoryUrl, listenerCaFile: cert, rootCaFile, stop };
    } catch (err) {
        stop();
        throw err;
    }
}
