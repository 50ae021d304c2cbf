// What point-in-time recovery costs the 4 GB server: PostgreSQL's container memory under a steady
// write load with archiving off and on (production's archive_command and archive_timeout, a local
// encrypted, zstd repository as repo1), its peak during a full backup; and the WAL the demo app's
// writes make per 1,000 requests (LSN bytes and archived, compressed bytes), with the floor that
// archive_timeout sets on a server that writes at least once a minute. Containers: drillk-fp-*.
//   npx tsx bench/pitr-footprint.ts        (about 4 minutes; FOOTPRINT_LOAD_SECONDS, default 45)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, exec } from "../tests/support/containers";
import { PITR_IMAGE } from "../tests/support/pitr";
import { validateConfig } from "../config/validate";
import { archivingCommand, pgbackrestConf, PGBACKREST_REPO1_PATH, PGBACKREST_STANZA, PGDATA } from "../render/backup/pgbackrest";

const PREFIX = "drillk-fp";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (s: string) => {
    const m = /^([\d.]+)\s*([KMG]i?B|B)/.exec(s.trim());
    if (!m) throw new Error(`docker stats said "${s}"`);
    return Number(m[1]) * ({ B: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024 } as Record<string, number>)[m[2]];
};

/**
 * The container's memory, MiB: `stats` as docker stats reports it (cgroup usage less inactive file
 * cache: active page cache, e.g. WAL just read by archive-push, counts), and `resident`, what cannot
 * be reclaimed: anonymous memory plus shared memory (PostgreSQL's shared_buffers), from memory.stat.
 */
export async function memory(name: string, id: string): Promise<{ stats: number; resident: number }> {
    const stats = mib((await docker(["stats", "--no-stream", "--format", "{{.MemUsage}}", name])).stdout.split("/")[0]);
    const files = [`/sys/fs/cgroup/memory/docker/${id}/memory.stat`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat`, `/sys/fs/cgroup/docker/${id}/memory.stat`];
    const file = files.find((f) => fs.existsSync(f));
    if (!file) throw new Error(`no memory.stat for ${name} (tried ${files.join(", ")})`);
    const stat = Object.fromEntries(fs.readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
    // cgroup v1: total_rss and total_shmem; v2: anon and shmem.
    const bytes = "total_rss" in stat ? stat.total_rss + stat.total_shmem : stat.anon + stat.shmem;
    return { stats, resident: bytes / 1048576 };
}

export interface Sampled { stats: number; statsMax: number; resident: number; residentMax: number }

/** Samples memory every 2 s while `during` runs; means and maxima. */
export async function sampled(name: string, during: Promise<unknown>): Promise<Sampled> {
    const id = (await docker(["inspect", "-f", "{{.Id}}", name])).stdout.trim();
    const seen: { stats: number; resident: number }[] = [];
    let done = false;
    const end = during.finally(() => (done = true));
    while (!done) {
        seen.push(await memory(name, id));
        await Promise.race([sleep(2000), end]);
    }
    await end;
    const mean = (k: "stats" | "resident") => seen.reduce((a, b) => a + b[k], 0) / seen.length;
    const max = (k: "stats" | "resident") => Math.max(...seen.map((x) => x[k]));
    return { stats: mean("stats"), statsMax: max("stats"), resident: mean("resident"), residentMax: max("resident") };
}

export async function benchPitrFootprint(emit: (line: Record<string, unknown>) => void): Promise<void> {
    const seconds = Number(process.env.FOOTPRINT_LOAD_SECONDS ?? 45);
    const backups = validateConfig({ backups: { pitr: { enabled: true } } }).backups;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-`));
    const conf = path.join(dir, "pgbackrest.conf");
    fs.writeFileSync(conf, pgbackrestConf(backups, { cipherPass: "bench cipher passphrase" }), { mode: 0o644 });
    const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) => emit({ bench: "pitr-footprint", metric, value: Math.round(value * 100) / 100, unit, ...extra });
    const names = (mode: string) => ({ pg: `${PREFIX}-${mode}`, data: `${PREFIX}-${mode}-data`, repo: `${PREFIX}-${mode}-repo` });
    const cleanup = async () => {
        for (const mode of ["off", "on"]) {
            const n = names(mode);
            await docker(["rm", "-f", n.pg], { allowFail: true });
            await docker(["volume", "rm", "-f", n.data, n.repo], { allowFail: true });
        }
    };
    const run = async (pg: string, args: string[], timeoutMs = 600_000) => {
        const r = await exec("docker", ["exec", "-i", "--user", "postgres", pg, ...args], { timeoutMs });
        if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
        return r.stdout.trim();
    };
    const sql = (pg: string, q: string) => run(pg, ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", q]);
    const start = async (mode: "off" | "on") => {
        const n = names(mode);
        const command = mode === "on" ? archivingCommand(backups.pitr) : ["postgres"];
        await docker(["run", "-d", "--name", n.pg, "--user", "postgres", "-e", "POSTGRES_PASSWORD=bench", "-e", `PGDATA=${PGDATA}`,
            "--tmpfs", "/var/run/postgresql", "--tmpfs", "/tmp", "-v", `${n.data}:/var/lib/postgresql/data`, "-v", `${n.repo}:${PGBACKREST_REPO1_PATH}`,
            "-v", `${conf}:/etc/pgbackrest/pgbackrest.conf:ro`, PITR_IMAGE, ...command]);
        for (let i = 0; (await exec("docker", ["exec", n.pg, "pg_isready", "-q", "-h", "127.0.0.1"])).code !== 0; i++) {
            if (i > 120) throw new Error(`${n.pg} did not start`);
            await sleep(1000);
        }
        if (mode === "on") await run(n.pg, ["pgbackrest", `--stanza=${PGBACKREST_STANZA}`, "stanza-create"]);
        await run(n.pg, ["pgbench", "-i", "-q", "-s", "10", "postgres"]);
        return n.pg;
    };
    // A steady write load: 50 pgbench transactions a second (3 updates and an insert each).
    const load = (pg: string, s = seconds) => run(pg, ["pgbench", "-n", "-R", "50", "-c", "2", "-j", "1", "-T", String(s), "postgres"]);
    try {
        await cleanup();
        const off = await start("off");
        const memOff = await sampled(off, load(off));
        await docker(["rm", "-f", off]);
        const on = await start("on");
        const memOn = await sampled(on, load(on));
        const extra = { loadTps: 50, seconds, sharedBuffers: await sql(on, "SHOW shared_buffers") };
        for (const [mode, m] of [["off", memOff], ["on", memOn]] as const) {
            line(`postgres_resident_archiving_${mode}_mib`, m.resident, "MiB", { ...extra, max: Math.round(m.residentMax), note: "anon + shmem (shared_buffers), mean under the load" });
            line(`postgres_docker_stats_archiving_${mode}_mib`, m.stats, "MiB", { ...extra, max: Math.round(m.statsMax), note: "docker stats: includes active page cache" });
        }
        line("postgres_resident_on_vs_off_ratio", memOn.resident / memOff.resident, "ratio", { note: "mean resident memory, archiving on / off, same load" });
        line("postgres_docker_stats_on_vs_off_ratio", memOn.stats / memOff.stats, "ratio");
        // A full backup (pgbackrest runs inside the container: its memory is counted there).
        const memBackup = await sampled(on, Promise.all([run(on, ["pgbackrest", `--stanza=${PGBACKREST_STANZA}`, "--type=full", "backup"]), load(on, 20)]));
        const databaseMb = Number(await sql(on, "SELECT pg_database_size('postgres') / 1048576"));
        line("postgres_resident_peak_during_backup_mib", memBackup.residentMax, "MiB", { databaseMb });
        line("postgres_docker_stats_peak_during_backup_mib", memBackup.statsMax, "MiB", { databaseMb });
        line("postgres_resident_backup_peak_vs_off_ratio", memBackup.residentMax / memOff.resident, "ratio");

        // WAL of the demo backend's request: INSERT INTO visits, then SELECT count(*) (demo/backend/database.js).
        await sql(on, "CREATE TABLE visits(id serial primary key, at timestamptz default now(), version text)");
        const archived = async () => {
            const wal = await sql(on, "SELECT pg_walfile_name(pg_current_wal_lsn())");
            await sql(on, "SELECT pg_switch_wal()");
            for (let i = 0; (await sql(on, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) < wal; i++) {
                if (i > 120) throw new Error("archiving stalled");
                await sleep(500);
            }
            return Number((await run(on, ["du", "-sb", `${PGBACKREST_REPO1_PATH}/archive`])).split("\t")[0]);
        };
        const before = await archived();
        const lsn0 = await sql(on, "SELECT pg_current_wal_lsn()");
        const requests = "INSERT INTO visits(version) VALUES ('1');\nSELECT count(*) FROM visits;\n".repeat(1000);
        const r = await exec("docker", ["exec", "-i", "--user", "postgres", on, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-o", "/dev/null"], { input: requests });
        if (r.code !== 0) throw new Error(r.stderr);
        const walBytes = Number(await sql(on, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${lsn0}')`));
        const archiveBytes = (await archived()) - before;
        line("wal_bytes_per_1000_demo_requests", walBytes, "bytes", { note: "pg_current_wal_lsn difference" });
        line("archived_bytes_per_1000_demo_requests", archiveBytes, "bytes", { note: "zstd + aes-256 in repo1, one segment switched" });
        line("wal_mb_per_day_at_100k_demo_requests", (walBytes * 100) / 1e6, "MB/day");
        line("archived_mb_per_day_at_100k_demo_requests", (archiveBytes * 100) / 1e6, "MB/day");
        // A segment that archive_timeout closes after a minute with one small write in it.
        const sizes: number[] = [];
        for (let i = 0; i < 3; i++) {
            const b = await archived();
            await sql(on, "INSERT INTO visits(version) VALUES ('idle')");
            sizes.push((await archived()) - b);
        }
        const segment = sizes.reduce((a, b) => a + b, 0) / sizes.length;
        line("archived_bytes_per_timeout_segment", segment, "bytes", { samples: sizes });
        line("archive_floor_mb_per_day", (segment * 1440) / 1e6, "MB/day", { note: "1440 segments a day when something writes every minute; a server with no writes at all switches none" });
    } finally {
        await cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module)
    benchPitrFootprint((l) => console.log(JSON.stringify(l))).catch((err) => {
        console.error(`bench/pitr-footprint: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
