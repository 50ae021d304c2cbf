// The multi-server rig: two Docker engines standing in for two servers (engines.sh), a PostgreSQL
// 15 over TLS standing in for the managed database (postgres-standin.sh), the platform applied to
// them by the engine double from tests/e2e/fleet-stack.yaml, and HAProxy in front standing in for
// the load balancer with the Scaleway backend's own settings (render/lb/haproxy.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { LocalPlatform, RawConfig } from "../platform";
import { readStackFile } from "../../../config/stack-file";
import { run } from "../applier";
import { haproxyConfig } from "../../../render/lb/haproxy";
import { backendSettings } from "../../../render/lb/backend";
import { OUT_OF_POOL_FILE } from "../../../render/lb/backend";

const ROOT = path.resolve(__dirname, "../../..");
export const FLEET_STACK = path.join(ROOT, "tests/e2e/fleet-stack.yaml");
const ENGINES = path.join(__dirname, "engines.sh");
const STANDIN = path.join(__dirname, "postgres-standin.sh");
/** What the engines need: the images the stack runs. */
const IMAGES = ["local/nginx:1.30", "local/postgres:15", "local/demo/frontend:1", "local/demo/backend:1", "local/demo/backend:2", "local/demo/backend:broken"];
export const LB_PORTS = { http: 19080, https: 19443 };
const WORK = "/var/tmp/multi-server-e2e";

export type Log = (line: string) => void;

function sh(cmd: string, args: string[], what: string) {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
    if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
}

export class FleetRig {
    platform!: LocalPlatform;
    private haproxy?: { pid: number; exited: Promise<void> };
    readonly dockerHosts: string[];

    constructor(private readonly log: Log) {
        const raw = readStackFile(FLEET_STACK).raw as RawConfig;
        this.dockerHosts = (raw.local.servers as { dockerHost: string }[]).map((s) => s.dockerHost);
    }

    get baseUrl() {
        return `https://127.0.0.1:${LB_PORTS.https}`;
    }

    /** Server i's (0-based) data folder, standing in for its /opt/platform. */
    root(i: number): string {
        return (this.platform.raw.local.servers as { dataDir: string }[])[i].dataDir;
    }

    /** `docker ...` on server i's engine. */
    docker(i: number, args: string[], input?: string) {
        return run("docker", args, input, { DOCKER_HOST: this.dockerHosts[i] });
    }

    /** bash on server i, as the platform's scripts run there. */
    bash(i: number, script: string) {
        return run("/bin/bash", ["-c", script], undefined, { DOCKER_HOST: this.dockerHosts[i] });
    }

    /**
     * Starts the engines, the database and the load balancer. `serverCpus` caps each engine's
     * containers to that many cores (engines.sh cpus), so each stand-in server has a share of its
     * own, as a real one would; `max` (the test run) leaves them to share the machine.
     */
    async start(serverCpus = "max"): Promise<void> {
        this.log(`starting two engines (cores each: ${serverCpus}), the database stand-in and the load balancer stand-in`);
        sh("bash", [ENGINES, "up", String(this.dockerHosts.length), ...IMAGES], "engines.sh up");
        sh("bash", [ENGINES, "cpus", String(this.dockerHosts.length), serverCpus], "engines.sh cpus");
        fs.mkdirSync(WORK, { recursive: true });
        fs.chmodSync(WORK, 0o755);
        const raw = readStackFile(FLEET_STACK).raw as RawConfig;
        const db = raw.local.managedDatabase as { host: string; port: number; caFile: string };
        // A fresh database each run: what it holds is what this run wrote.
        sh("bash", [STANDIN, "down", path.dirname(db.caFile)], "postgres-standin.sh down");
        fs.rmSync(path.dirname(db.caFile), { recursive: true, force: true });
        sh("bash", [STANDIN, "up", path.dirname(db.caFile), db.host, String(db.port)], "postgres-standin.sh up");
        const adminPassword = fs.readFileSync(path.join(path.dirname(db.caFile), "admin-password"), "utf8").trim();
        this.platform = new LocalPlatform(FLEET_STACK, this.log, { managedDatabaseAdminPassword: adminPassword });
        await this.cleanServers();
        this.startHaproxy();
    }

    /** Everything on the rig's own engines and data folders goes: a clean slate (nothing else is touched). */
    async cleanServers(): Promise<void> {
        await this.platform.destroy();
        for (let i = 0; i < this.dockerHosts.length; i++) {
            const ids = (await this.docker(i, ["ps", "-aq"])).stdout.split("\n").filter(Boolean);
            if (ids.length) await this.docker(i, ["rm", "-f", ...ids]);
            await this.docker(i, ["network", "prune", "-f"]);
            await this.docker(i, ["volume", "prune", "-f"]);
            fs.rmSync(this.root(i), { recursive: true, force: true });
        }
    }

    private startHaproxy() {
        const cfg = this.platform.cfg;
        const pem = path.join(WORK, "lb.pem");
        if (!fs.existsSync(pem)) {
            sh("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", `/CN=${cfg.domain}`, "-keyout", `${pem}.key`, "-out", `${pem}.crt`], "openssl");
            fs.writeFileSync(pem, fs.readFileSync(`${pem}.crt`, "utf8") + fs.readFileSync(`${pem}.key`, "utf8"), { mode: 0o600 });
        }
        const file = path.join(WORK, "haproxy.cfg");
        const servers = (this.platform.raw.local.servers as { backendPort: number }[]).map((s) => `127.0.0.1:${s.backendPort}`);
        fs.writeFileSync(file, haproxyConfig({ backend: backendSettings(cfg), servers, http: `127.0.0.1:${LB_PORTS.http}`, https: `127.0.0.1:${LB_PORTS.https}`, certificate: pem }));
        const child = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        child.stderr.on("data", (d) => (err += d));
        this.haproxy = { pid: child.pid!, exited: new Promise((r) => child.on("exit", () => r())) };
        child.on("exit", (code) => code && this.log(`haproxy exited ${code}: ${err.slice(-500)}`));
    }

    /** Take server i out of the load balancer's pool (its check answers 503), or put it back. */
    outOfPool(i: number, out: boolean) {
        const file = path.join(this.root(i), OUT_OF_POOL_FILE);
        if (out) fs.writeFileSync(file, "");
        else fs.rmSync(file, { force: true });
    }

    async stop(): Promise<void> {
        if (this.haproxy) {
            try {
                process.kill(this.haproxy.pid, "SIGTERM");
            } catch {
                // it had exited already (its exit is logged)
            }
            await this.haproxy.exited;
        }
        if (this.platform) await this.cleanServers();
        const db = (readStackFile(FLEET_STACK).raw as RawConfig).local.managedDatabase as { caFile: string };
        sh("bash", [STANDIN, "down", path.dirname(db.caFile)], "postgres-standin.sh down");
        sh("bash", [ENGINES, "down", String(this.dockerHosts.length)], "engines.sh down");
    }
}
