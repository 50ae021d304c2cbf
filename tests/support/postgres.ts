// A throwaway PostgreSQL 15 cluster from Debian's binaries, run as the postgres user on a
// private socket folder and a loopback port.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLUSTER_PORTS_FROM } from "./ports";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface Cluster {
    readonly port: number;
    readonly dir: string;
    /** psql as the superuser over the socket; returns {status, stdout, stderr}. */
    psql(sql: string, opts?: { db?: string; env?: Record<string, string> }): { status: number; stdout: string; stderr: string };
    /** psql as a login role over TCP with a password. */
    login(role: string, password: string, db: string, sql: string): { status: number; stdout: string; stderr: string };
    stop(): void;
}

const asPostgres = (args: string[]) => ["-u", "postgres", "--", ...args];

// Below the ephemeral range (from 32768), so no outgoing connection holds the port; above ports.ts's.
export function startCluster(port = CLUSTER_PORTS_FROM + Math.floor(Math.random() * 2000)): Cluster {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg15-"));
    fs.chmodSync(dir, 0o777);
    const data = path.join(dir, "data");
    execFileSync("runuser", asPostgres([`${PG_BIN}/initdb`, "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"]), { stdio: "ignore" });
    execFileSync("runuser", asPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-l", path.join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "start"]), { stdio: "ignore" });
    const run = (args: string[], input: string, env: Record<string, string> = {}) => {
        const r = spawnSync(`${PG_BIN}/psql`, ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...args], { input, encoding: "utf8", env: { ...process.env, ...env } });
        return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    return {
        port,
        dir,
        psql: (sql, opts = {}) => run(["-h", dir, "-p", String(port), "-U", "postgres", "-d", opts.db ?? "postgres"], sql, opts.env),
        login: (role, password, db, sql) => run(["-h", "127.0.0.1", "-p", String(port), "-U", role, "-d", db, "-At"], sql, { PGPASSWORD: password }),
        stop() {
            spawnSync("runuser", asPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-m", "immediate", "stop"]), { stdio: "ignore" });
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
