// What the pooler gives and costs: the longest an app's query waited while PostgreSQL was replaced
// by its next minor image behind PAUSE/RESUME (4 writers, the platform's scripts), and in one run
// the per-query time through PgBouncer against straight to PostgreSQL (same client, same query,
// interleaved rounds), and PgBouncer's memory. Containers: wtp-bench-pooler-*.
//   npx tsx bench/pooler.ts
import { docker } from "../tests/support/containers";
import { PgClient, POSTGRES_NEXT_IMAGE, replaceBehindPause, startLab, type Client, type Lab } from "../tests/support/pooler-lab";

type Emit = (line: Record<string, unknown>) => void;
const ROUNDS = 10;
const QUERIES = 300;

/** Mean microseconds per indexed read (a prepared statement; no commit flush to hide the hop) over `n` sequential queries. */
async function perQuery(c: Client, n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await c.query({ name: "bench", text: "SELECT id, at FROM bench WHERE id = $1", values: [1 + (i % 100)] });
    return ((performance.now() - t0) * 1000) / n;
}

async function hopCost(lab: Lab) {
    const pooled = await lab.client("app1", "app1_db", lab.passwords.app1);
    await pooled.query("CREATE TABLE IF NOT EXISTS bench (id serial PRIMARY KEY, at timestamptz)");
    await pooled.query("INSERT INTO bench (at) SELECT now() FROM generate_series(1, 100)");
    const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${lab.network}").IPAddress}}`, lab.containers.postgres])).stdout.trim();
    const direct = new PgClient({ host: ip, port: 5432, user: "app1", database: "app1_db", password: lab.passwords.app1 });
    await direct.connect();
    await perQuery(pooled, 50);
    await perQuery(direct, 50);
    let pooledSum = 0;
    let directSum = 0;
    for (let r = 0; r < ROUNDS; r++) {
        directSum += await perQuery(direct, QUERIES);
        pooledSum += await perQuery(pooled, QUERIES);
    }
    await pooled.end();
    await direct.end();
    return { directUs: directSum / ROUNDS, pooledUs: pooledSum / ROUNDS };
}

export async function benchPooler(emit: Emit): Promise<void> {
    const lab = await startLab("wtp-bench-pooler");
    try {
        const { directUs, pooledUs } = await hopCost(lab);
        emit({ bench: "pooler", figure: "query-time-through-pgbouncer-ratio", value: Number((pooledUs / directUs).toFixed(3)), directUs: Math.round(directUs), pooledUs: Math.round(pooledUs), queries: ROUNDS * QUERIES });
        const { writes } = await replaceBehindPause(lab, POSTGRES_NEXT_IMAGE);
        const ids = await lab.writtenIds();
        const lost = writes.acknowledged.filter((id) => !ids.has(id)).length;
        emit({ bench: "pooler", figure: "postgres-minor-change-longest-pause-ms", value: Math.round(writes.longestMs), target: "< 10000", queries: writes.queries, failed: writes.failed.length, acknowledgedLost: lost });
        const mem = (await docker(["stats", "--no-stream", "--format", "{{.MemUsage}}", lab.containers.pooler])).stdout.split("/")[0].trim();
        emit({ bench: "pooler", figure: "pgbouncer-memory", value: mem, limit: "64MiB" });
    } finally {
        await lab.stop();
    }
}

if (require.main === module) benchPooler((l) => console.log(JSON.stringify(l))).catch((err) => ((process.exitCode = 1), console.error(err)));
