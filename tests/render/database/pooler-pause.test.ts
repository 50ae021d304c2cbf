// PostgreSQL replaced by a new minor image behind PgBouncer (the platform's rendered config, auth
// and PAUSE/RESUME scripts): under steady writes by several clients through the pooler, with
// protocol-level prepared statements, no query fails and every acknowledged row is in the new
// PostgreSQL; the longest a query waited is the pause, reported as a JSON line.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { needsImages } from "../../support/requirements";
import { POOLER_IMAGE, POSTGRES_IMAGE, POSTGRES_NEXT_IMAGE, replacePostgres, startLab, type Client, type Lab } from "../../support/pooler-lab";
import { pauseScript, resumeScript } from "../../../render/database/pooler";

const skip = needsImages(POOLER_IMAGE, POSTGRES_IMAGE, POSTGRES_NEXT_IMAGE);
const WRITERS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Writes { acknowledged: number[]; failed: string[]; longestMs: number; queries: number }

/** Writers that insert numbered rows (a named, prepared statement) until stopped. */
function startWriters(clients: Client[]) {
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

describe("PostgreSQL replaced behind the paused pooler", { skip }, () => {
    let lab: Lab;
    let writes: Writes;
    let rows: Set<number>;
    let pauseOut = "";
    let resumeOut = "";
    let postgresImage = "";

    before(async () => {
        lab = await startLab("wtp-pooler-pause");
        const setup = await lab.client("app1", "app1_db", lab.passwords.app1);
        await setup.query("CREATE TABLE writes (id integer PRIMARY KEY, at timestamptz DEFAULT now())");
        await setup.end();
        const clients = await Promise.all(Array.from({ length: WRITERS }, () => lab.client("app1", "app1_db", lab.passwords.app1)));
        for (const c of clients) c.on("error", () => undefined);
        const writers = startWriters(clients);
        await sleep(1500);
        const paused = await lab.run(pauseScript("the test's next image", lab.containers));
        pauseOut = paused.stdout + paused.stderr;
        assert.equal(paused.code, 0, pauseOut);
        await replacePostgres(lab, POSTGRES_NEXT_IMAGE);
        const resumed = await lab.run(resumeScript("the test's next image", lab.containers));
        resumeOut = resumed.stdout + resumed.stderr;
        assert.equal(resumed.code, 0, resumeOut);
        await sleep(1500);
        writes = await writers.stop();
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
        postgresImage = (await lab.run(`docker inspect -f '{{.Config.Image}}' ${lab.containers.postgres}`)).stdout.trim();
        const check = await lab.client("app1", "app1_db", lab.passwords.app1);
        rows = new Set((await check.query("SELECT id FROM writes")).rows.map((r) => Number(r.id)));
        await check.end();
        console.log(JSON.stringify({ figure: "postgres-minor-change-longest-pause-ms", value: Math.round(writes.longestMs), queries: writes.queries, failed: writes.failed.length }));
    });
    after(async () => lab && (await lab.stop()));

    test("the new image runs on the same volume", () => {
        assert.equal(postgresImage, POSTGRES_NEXT_IMAGE);
    });

    test("writes went on before and after the change", () => {
        assert.ok(writes.acknowledged.length > 40, `only ${writes.acknowledged.length} writes acknowledged`);
    });

    test("no app query failed", () => {
        assert.deepEqual(writes.failed.slice(0, 5), []);
    });

    test("every acknowledged write is in the new PostgreSQL", () => {
        const lost = writes.acknowledged.filter((id) => !rows.has(id));
        assert.deepEqual(lost, []);
    });

    test("the pause is reported and within the pooler's wait limit (queries held, not failed)", () => {
        assert.match(pauseOut, /paused at/);
        assert.match(resumeOut, /resumed at/);
        assert.ok(writes.longestMs > 0 && writes.longestMs < 60_000, `longest ${writes.longestMs} ms`);
    });
});
