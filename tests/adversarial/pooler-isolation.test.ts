// Through the pooler, each app still reaches only its own database: PgBouncer logs in to
// PostgreSQL as the client's own role, and lets in the apps' login roles only. Every refusal is
// paired with the same step by a role that is allowed. And a PAUSE whose `up` never resumes it
// (a failed or killed `up`) ends by itself: the watchdog RESUMEs; one that cannot finish (a
// transaction held open) fails in time and resumes, so PostgreSQL is never stopped behind it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { docker } from "../support/containers";
import { needsImages } from "../support/requirements";
import { POOLER_IMAGE, POSTGRES_IMAGE, startLab, type Lab } from "../support/pooler-lab";
import { pauseScript, POOLER_AUTH_ROLE, POOLER_PORT, resumeScript } from "../../render/database/pooler";

const skip = needsImages(POOLER_IMAGE, POSTGRES_IMAGE);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the pooler keeps each app in its own database", { skip }, () => {
    let lab: Lab;
    before(async () => (lab = await startLab("wtp-pooler-iso")));
    after(async () => lab && (await lab.stop()));

    /** The database's answer to `user` connecting through the pooler: its current_user, or the error. */
    async function through(user: string, database: string, password: string): Promise<string> {
        try {
            const c = await lab.client(user, database, password);
            const who = (await c.query("SELECT current_user AS u")).rows[0].u as string;
            await c.end();
            return `connected as ${who}`;
        } catch (err) {
            return `refused: ${(err as Error).message}`;
        }
    }

    test("app1 reaches app1_db as app1, and app2's database is refused to it (app2 reaches it)", async () => {
        assert.equal(await through("app1", "app1_db", lab.passwords.app1), "connected as app1");
        assert.match(await through("app1", "app2_db", lab.passwords.app1), /^refused: permission denied for database "app2_db"/);
        assert.equal(await through("app2", "app2_db", lab.passwords.app2), "connected as app2");
    });

    test("app1 cannot log in as app2 with its own password (app2's own works)", async () => {
        assert.match(await through("app2", "app2_db", lab.passwords.app1), /^refused: .*authentication failed/);
        assert.equal(await through("app2", "app2_db", lab.passwords.app2), "connected as app2");
    });

    test("the superuser cannot log in through the pooler, even with its password (an app can)", async () => {
        assert.match(await through("postgres", "postgres", lab.passwords.postgres), /^refused:/);
        assert.match(await through("postgres", "app1_db", lab.passwords.postgres), /^refused:/);
        assert.equal(await through("app1", "app1_db", lab.passwords.app1), "connected as app1");
    });

    test("an app cannot reach the pooler's admin console (its own user over the socket can)", async () => {
        assert.match(await through("app1", "pgbouncer", lab.passwords.app1), /^refused:/);
        const own = await docker(["exec", lab.containers.pooler, "psql", "-X", "-At", "-h", "/tmp", "-p", String(POOLER_PORT), "-U", "pgbouncer", "pgbouncer", "-c", "SHOW POOLS"], { allowFail: true });
        assert.equal(own.code, 0, own.stderr);
    });

    test("the auth role's function gives no superuser's secret, an app's only (and nobody else may call it)", async () => {
        const asAuth = (name: string) => `SET ROLE ${POOLER_AUTH_ROLE}; SELECT count(*) FROM pgbouncer.user_secret('${name}');`;
        const psql = (sql: string, user = "postgres") => docker(["exec", "-i", lab.containers.postgres, "psql", "-X", "-At", "-q", "-U", user, "-d", "postgres"], { input: sql, allowFail: true });
        assert.equal((await psql(asAuth("postgres"))).stdout.trim(), "0");
        assert.equal((await psql(asAuth(POOLER_AUTH_ROLE))).stdout.trim(), "0");
        assert.equal((await psql(asAuth("app1"))).stdout.trim(), "1");
        const byApp = await psql("SET ROLE app1; SELECT count(*) FROM pgbouncer.user_secret('app2');");
        assert.match(byApp.stderr, /permission denied for schema pgbouncer/);
    });

    test("a transaction held open through the PAUSE fails the pause in time, resumed: nothing would be stopped, other queries run", async () => {
        const holder = await lab.client("app1", "app1_db", lab.passwords.app1);
        const other = await lab.client("app2", "app2_db", lab.passwords.app2);
        holder.on("error", () => undefined);
        try {
            await holder.query("BEGIN");
            await holder.query("SELECT 1");
            const paused = await lab.run(pauseScript("a change behind a long transaction", lab.containers, 60, 3));
            assert.equal(paused.code, 1, paused.stdout);
            assert.match(paused.stderr, /did not pause within 3s .*resumed, PostgreSQL was not stopped/);
            // The pooler's own answer, not a timing: after the failed pause it is not paused.
            const state = await lab.run(`docker exec ${lab.containers.pooler} psql -X -At -h /tmp -p ${POOLER_PORT} -U pgbouncer pgbouncer -c 'SHOW STATE'`);
            assert.match(state.stdout, /^paused\|no$/m, `the pooler stayed paused: ${state.stdout}${state.stderr}`);
            assert.equal((await other.query("SELECT 1 AS one")).rows[0].one, 1);
        } finally {
            await holder.query("ROLLBACK").catch(() => undefined);
            await lab.run(resumeScript("the test's end", lab.containers));
            await Promise.all([holder.end(), other.end()].map((p) => p.catch(() => undefined)));
        }
    });

    test("a PAUSE never resumed by its `up` ends by itself: the watchdog RESUMEs, held queries then run", async () => {
        const c = await lab.client("app1", "app1_db", lab.passwords.app1);
        c.on("error", () => undefined);
        try {
            const paused = await lab.run(pauseScript("a change whose up dies", lab.containers, 4));
            assert.equal(paused.code, 0, paused.stderr);
            const t0 = Date.now();
            let done = 0;
            const held = c.query("SELECT 1 AS one").then(() => (done = Date.now()));
            await sleep(1500);
            assert.equal(done, 0, "the query ran while the pooler was paused");
            await Promise.race([held, sleep(20_000)]);
            assert.ok(done > 0, "the query was still held 20 s after a PAUSE with a 4 s watchdog");
            assert.ok(done - t0 >= 1500);
        } finally {
            await lab.run(resumeScript("the test's end", lab.containers));
            await c.end().catch(() => undefined);
        }
    });
    test("RESUME: a pooler that is not paused is fine; a RESUME that fails keeps the watchdog and fails the `up`", async () => {
        const idle = await lab.run(resumeScript("nothing paused", lab.containers));
        assert.equal(idle.code, 0, idle.stderr);
        const paused = await lab.run(pauseScript("a change whose resume fails", lab.containers, 6));
        assert.equal(paused.code, 0, paused.stderr);
        try {
            // The admin console unreachable for the RESUME (its socket folder's name is wrong).
            const broken = resumeScript("a resume that cannot reach the console", lab.containers).replace(/ -h \/tmp /, " -h /nonexistent ");
            const failed = await lab.run(broken);
            assert.equal(failed.code, 1, failed.stdout);
            assert.match(failed.stderr, /RESUME failed: .*watchdog resumes it/s);
            const watchdog = await lab.run(`docker exec ${lab.containers.pooler} sh -c 'kill -0 "$(cat /tmp/resume-watchdog.pid)"'`);
            assert.equal(watchdog.code, 0, "the watchdog is still there to resume");
        } finally {
            await lab.run(resumeScript("the test's end", lab.containers));
        }
    });
});
