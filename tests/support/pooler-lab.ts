// A PostgreSQL and a PgBouncer as the platform runs them (the pooler's rendered config, auth role
// and function, two apps), with names of their own, for the pooler's integration tests.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, exec, waitFor, containerIp } from "./containers";
import { appDatabaseSql, baselineSql, ROLE_PASSWORD_ENV } from "../../render/database-sql";
import { pauseScript, poolerAuthFile, poolerAuthSql, poolerConfig, resumeScript, POOLER_AUTH_FILE_IN_CONTAINER, POOLER_CONF_IN_CONTAINER, POOLER_PORT, type PoolerContainers } from "../../render/database/pooler";

/** The demo app's driver (node-postgres; no type package installed): what the lab uses of it. */
export interface Client {
    connect(): Promise<void>;
    query(q: string | { name?: string; text: string; values?: unknown[] }, values?: unknown[]): Promise<{ rows: any[] }>;
    end(): Promise<void>;
    on(event: "error", listener: (err: Error) => void): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { Client: PgClient } = require("pg") as { Client: new (o: object) => Client };

export const POOLER_IMAGE = "local/pgbouncer:e2e";
export const POSTGRES_IMAGE = "local/postgres:15";
export const POSTGRES_NEXT_IMAGE = "local/postgres:15-e2e-next";
const PG_UID = 999;

export interface Lab {
    readonly containers: PoolerContainers;
    readonly network: string;
    readonly volume: string;
    readonly passwords: Record<"app1" | "app2" | "postgres", string>;
    poolerIp(): Promise<string>;
    /** A client through the pooler. */
    client(user: string, database: string, password: string): Promise<Client>;
    /** Runs a rendered script on this machine (it acts on the lab's containers by name). */
    run(text: string): Promise<{ code: number; stdout: string; stderr: string }>;
    startPostgres(image: string): Promise<void>;
    /** The ids in app1's `writes` table, read through the pooler. */
    writtenIds(): Promise<Set<number>>;
    stop(): Promise<void>;
}

const password = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

async function psqlAs(container: string, sql: string, env: Record<string, string> = {}, db = "postgres") {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    return docker(["exec", "-i", ...envArgs, container, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", db], { input: sql });
}

export async function startLab(prefix: string): Promise<Lab> {
    const containers = { pooler: `${prefix}-pgbouncer`, postgres: `${prefix}-postgres` };
    const network = `${prefix}-net`;
    const volume = `${prefix}-data`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const passwords = { app1: password(), app2: password(), postgres: password() };
    const auth = password();
    await docker(["rm", "-f", containers.pooler, containers.postgres], { allowFail: true });
    await docker(["volume", "rm", volume], { allowFail: true });
    await docker(["network", "rm", network], { allowFail: true });
    await docker(["network", "create", network]);
    await docker(["volume", "create", volume]);
    const secret = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text, { mode: 0o600 });
        fs.chownSync(file, PG_UID, PG_UID);
        return file;
    };
    const superuserFile = secret("superuser", passwords.postgres);
    const authFile = secret("auth", poolerAuthFile(auth));
    const confFile = path.join(dir, "pgbouncer.ini");
    fs.writeFileSync(confFile, poolerConfig({ postgresHost: containers.postgres, maxClients: 200 }), { mode: 0o644 });

    const startPostgres = async (image: string) => {
        await docker(["run", "-d", "--name", containers.postgres, "--network", network, "--user", "postgres", "--read-only",
            "--tmpfs", "/var/run/postgresql:rw,size=16m", "--tmpfs", "/tmp:rw,size=64m", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "-e", "POSTGRES_PASSWORD_FILE=/run/secrets/pg", "-e", "PGDATA=/var/lib/postgresql/data/pgdata",
            "-v", `${volume}:/var/lib/postgresql/data`, "-v", `${superuserFile}:/run/secrets/pg:ro`, image]);
        await waitFor("PostgreSQL", 120_000, async () => ((await docker(["exec", containers.postgres, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"], { allowFail: true })).code === 0 ? true : undefined));
    };
    await startPostgres(POSTGRES_IMAGE);
    await psqlAs(containers.postgres, baselineSql());
    for (const app of ["app1", "app2"] as const) await psqlAs(containers.postgres, appDatabaseSql(app), { [ROLE_PASSWORD_ENV]: passwords[app] });
    await psqlAs(containers.postgres, poolerAuthSql(), { [ROLE_PASSWORD_ENV]: auth });
    await docker(["run", "-d", "--name", containers.pooler, "--network", network, "--read-only", "--tmpfs", "/tmp:rw,size=16m",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "-v", `${confFile}:${POOLER_CONF_IN_CONTAINER}:ro`, "-v", `${authFile}:${POOLER_AUTH_FILE_IN_CONTAINER}:ro`, POOLER_IMAGE]);
    const poolerIp = () => containerIp(containers.pooler, network);
    const client = async (user: string, database: string, pw: string) => {
        const c = new PgClient({ host: await poolerIp(), port: POOLER_PORT, user, database, password: pw, connectionTimeoutMillis: 10_000 });
        await c.connect();
        return c;
    };
    await waitFor("PgBouncer", 30_000, async () => {
        const c = await client("app1", "app1_db", passwords.app1);
        await c.end();
        return true;
    });
    return {
        containers,
        network,
        volume,
        passwords,
        poolerIp,
        client,
        run: (text: string) => exec("bash", ["-c", text], { timeoutMs: 120_000 }),
        startPostgres,
        writtenIds: async () => {
            const c = await client("app1", "app1_db", passwords.app1);
            const ids = new Set((await c.query("SELECT id FROM writes")).rows.map((r) => Number(r.id)));
            await c.end();
            return ids;
        },
        stop: async () => {
            await docker(["rm", "-f", containers.pooler, containers.postgres], { allowFail: true });
            await docker(["volume", "rm", volume], { allowFail: true });
            await docker(["network", "rm", network], { allowFail: true });
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** The platform's replacement of PostgreSQL, by hand: stop (fast shutdown), remove, start the new image on the same volume. */
export async function replacePostgres(lab: Lab, image: string): Promise<void> {
    await docker(["stop", "-t", "60", lab.containers.postgres]);
    await docker(["rm", lab.containers.postgres]);
    await lab.startPostgres(image);
}

const WRITERS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Writes { acknowledged: number[]; failed: string[]; longestMs: number; queries: number }

/** Writers that insert numbered rows (a named, prepared statement) until stopped. */
export function startWriters(clients: Client[]) {
    const w: Writes = { acknowledged: [], failed: [], longestMs: 0, queries: 0 };
    let next = 1;
    let running = true;
    const loops = clients.map(async (c) => {
        while (running) {
            const id = next++;
            const t0 = performance.now();
            try {
                await c.query({ name: "insert-write", text: "INSERT INTO writes (id) VALUES ($1)", values: [id] });
                w.acknowledged.push(id);
            } catch (err) {
                w.failed.push(`${id}: ${(err as Error).message}`);
            }
            w.longestMs = Math.max(w.longestMs, performance.now() - t0);
            w.queries++;
            await sleep(20);
        }
    });
    return { writes: w, stop: async () => ((running = false), await Promise.all(loops), w) };
}

/**
 * app1's `writes` table, then WRITERS clients writing through the pooler while PostgreSQL is
 * replaced as the platform does it: the pause script, a fast-shutdown stop, the new image on the
 * same volume, the resume script once it answers.
 */
export async function replaceBehindPause(lab: Lab, image: string): Promise<{ writes: Writes; pauseOut: string; resumeOut: string }> {
    const setup = await lab.client("app1", "app1_db", lab.passwords.app1);
    await setup.query("CREATE TABLE IF NOT EXISTS writes (id integer PRIMARY KEY, at timestamptz DEFAULT now())");
    await setup.query("TRUNCATE writes");
    await setup.end();
    const clients = await Promise.all(Array.from({ length: WRITERS }, () => lab.client("app1", "app1_db", lab.passwords.app1)));
    for (const c of clients) c.on("error", () => undefined);
    const writers = startWriters(clients);
    await sleep(1500);
    const paused = await lab.run(pauseScript("the next image", lab.containers));
    const pauseOut = paused.stdout + paused.stderr;
    if (paused.code !== 0) throw new Error(`pause: ${pauseOut}`);
    await replacePostgres(lab, image);
    const resumed = await lab.run(resumeScript("the next image", lab.containers));
    const resumeOut = resumed.stdout + resumed.stderr;
    if (resumed.code !== 0) throw new Error(`resume: ${resumeOut}`);
    await sleep(1500);
    const writes = await writers.stop();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    return { writes, pauseOut, resumeOut };
}
