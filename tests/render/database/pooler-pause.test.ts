// PostgreSQL replaced by a new minor image behind PgBouncer (the platform's rendered config, auth
// and PAUSE/RESUME scripts): under steady writes by several clients through the pooler, with
// protocol-level prepared statements, no query fails and every acknowledged row is in the new
// PostgreSQL; the longest a query waited is the pause, reported as a JSON line.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { needsImages } from "../../support/requirements";
import { POOLER_IMAGE, POSTGRES_IMAGE, POSTGRES_NEXT_IMAGE, replaceBehindPause, startLab, type Lab, type Writes } from "../../support/pooler-lab";

const skip = needsImages(POOLER_IMAGE, POSTGRES_IMAGE, POSTGRES_NEXT_IMAGE);

describe("PostgreSQL replaced behind the paused pooler", { skip }, () => {
    let lab: Lab;
    let writes: Writes;
    let rows: Set<number>;
    let pauseOut = "";
    let resumeOut = "";
    let postgresImage = "";

    before(async () => {
        lab = await startLab("wtp-pooler-pause");
        const run = await replaceBehindPause(lab, POSTGRES_NEXT_IMAGE);
        ({ writes, pauseOut, resumeOut } = run);
        postgresImage = (await lab.run(`docker inspect -f '{{.Config.Image}}' ${lab.containers.postgres}`)).stdout.trim();
        rows = await lab.writtenIds();
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
