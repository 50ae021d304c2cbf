// Recovery point and time of a lost server with point-in-time recovery, on real programs (the lab of
// tests/support/pitr.ts in production's layout: PostgreSQL 15 pushing WAL over TLS to the pgBackRest
// repository host, which holds both repositories; s3rver as the bucket), with
// production's archive_timeout (60 s) and a database of PITR_BENCH_MB (default 1024) MB:
// load, full backup to both repositories, writes with acknowledged times, the loss (container,
// data volume, both containers, local repository), restore-cluster from the bucket alone.
//   PLATFORM_TEST_S3RVER=<s3rver folder> npx tsx bench/pitr.ts
import { docker } from "../tests/support/containers";
import { startLab } from "../tests/support/pitr";
import { memory, sampled } from "./pitr-footprint";

export async function benchPitr(emit: (line: Record<string, unknown>) => void): Promise<void> {
    const mb = Number(process.env.PITR_BENCH_MB ?? 1024);
    const lab = await startLab(`pitr-bench-${process.pid}`, 60, { repoHost: true });
    const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) => emit({ bench: "pitr", metric, value, unit, databaseMb: mb, ...extra });
    const seconds = (from: number) => Math.round((Date.now() - from) / 100) / 10;
    try {
        await lab.startPostgres();
        await lab.psql("postgres", "CREATE DATABASE app1_db;");
        // About 1 KB a row.
        await lab.psql("app1_db", `CREATE TABLE big (id bigint PRIMARY KEY, payload text); INSERT INTO big SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, ${mb * 1000}) g;
            CREATE TABLE writes (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp());`, 3_600_000);
        const size = Number(await lab.psql("app1_db", "SELECT pg_database_size('app1_db') / 1048576;"));
        // The repository host's memory (cgroup: anonymous + shared), idle and over a full backup to both repositories.
        const repoHostId = (await docker(["inspect", "-f", "{{.Id}}", lab.pb])).stdout.trim();
        line("repo_host_resident_idle_mib", Math.round((await memory(lab.pb, repoHostId)).resident * 10) / 10, "MiB", { note: "pgbackrest server, idle" });
        let t = Date.now();
        let full: Awaited<ReturnType<typeof lab.bin>> | undefined;
        const during = await sampled(lab.pb, lab.bin("pitr-full.sh").then((r) => (full = r)));
        if (full?.code !== 0) throw new Error(`pitr-full failed: ${full?.stderr}`);
        line("full_backup_seconds", seconds(t), "s", { sizeMb: size, repos: 2, layout: "repository host" });
        line("repo_host_resident_peak_during_full_backup_mib", Math.round(during.residentMax * 10) / 10, "MiB", { sizeMb: size, note: "sampled every 2 s" });
        // Writes with acknowledged times for 90 s, then the loss.
        const acks: { id: number; at: number }[] = [];
        for (const end = Date.now() + 90_000; Date.now() < end; ) {
            acks.push({ id: Number(await lab.psql("app1_db", "INSERT INTO writes DEFAULT VALUES RETURNING id;")), at: Date.now() });
            await new Promise((r) => setTimeout(r, 200));
        }
        const lostAt = Date.now();
        await docker(["rm", "-f", lab.pg, lab.pb]);
        await docker(["volume", "rm", lab.dataVolume, lab.repoVolume]);
        await lab.startPostgres();
        t = Date.now();
        const restore = await lab.bin("restore-cluster", "--yes", "--repo", "2");
        if (restore.code !== 0) throw new Error(`restore-cluster failed: ${restore.stderr}`);
        line("rto_seconds", seconds(t), "s", { note: "restore-cluster from the bucket alone: newest backup + WAL, to a writable server" });
        const have = new Set((await lab.psql("app1_db", "SELECT id FROM writes;")).split("\n").map(Number));
        const newest = Math.max(...acks.filter((a) => have.has(a.id)).map((a) => a.at));
        line("rpo_seconds", Math.round((lostAt - newest) / 100) / 10, "s", { archiveTimeoutSeconds: 60, lostWrites: acks.length - acks.filter((a) => have.has(a.id)).length, of: acks.length });
        line("rows_restored", Number(await lab.psql("app1_db", "SELECT count(*) FROM big;")), "rows", { expected: mb * 1000 });
    } finally {
        await lab.stop();
    }
}

if (require.main === module)
    benchPitr((l) => console.log(JSON.stringify(l))).catch((err) => {
        console.error(`bench/pitr: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
