// What docs/app-contract.md says of session settings behind the pooler, with node-postgres (the
// demo backend's driver, and TypeORM's): settings a driver sends in its startup packet
// (`statement_timeout`, `lock_timeout`, `idle_in_transaction_session_timeout`, `options`) make
// PgBouncer refuse the connection, so an app that set them straight to PostgreSQL stops connecting
// once the pooler is between; a setting on the app's own role (`ALTER ROLE CURRENT_USER SET`)
// applies to every server connection the pooler opens for it, transaction after transaction.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { needsImages } from "../support/requirements";
import { PgClient, POOLER_IMAGE, POSTGRES_IMAGE, startLab, type Client, type Lab } from "../support/pooler-lab";
import { POOLER_PORT } from "../../render/database/pooler";

const skip = needsImages(POOLER_IMAGE, POSTGRES_IMAGE);

describe("session settings through the pooler, as the app contract says", { skip }, () => {
    let lab: Lab;
    before(async () => (lab = await startLab("wtp-pooler-params")));
    after(async () => lab && (await lab.stop()));

    async function connect(extra: Record<string, unknown>): Promise<Client> {
        const c = new PgClient({ host: await lab.poolerIp(), port: POOLER_PORT, user: "app1", database: "app1_db", password: lab.passwords.app1, connectionTimeoutMillis: 10_000, ...extra });
        await c.connect();
        return c;
    }

    test("a driver's startup settings make the pooler refuse the connection, naming the parameter", async () => {
        for (const [key, value] of [["statement_timeout", 5000], ["lock_timeout", 3000], ["idle_in_transaction_session_timeout", 60000], ["options", "-c search_path=public"]] as const) {
            // PgBouncer 1.24: "unsupported startup parameter: statement_timeout", "... in options: search_path".
            await assert.rejects(connect({ [key]: value }), new RegExp(`unsupported startup parameter.*${key === "options" ? "in options: search_path" : key}`), key);
        }
        // The same connection without them works.
        await (await connect({})).end();
    });

    test("a setting on the app's own role applies on every transaction through the pooler", async () => {
        const setup = await connect({});
        await setup.query("ALTER ROLE CURRENT_USER SET statement_timeout = '7s'");
        await setup.end();
        // Server connections opened before keep their value until replaced (server_lifetime); start afresh.
        const reconnect = await lab.run(`docker exec ${lab.containers.pooler} psql -X -At -h /tmp -p ${POOLER_PORT} -U pgbouncer pgbouncer -c 'RECONNECT app1_db'`);
        assert.equal(reconnect.code, 0, reconnect.stderr);
        try {
            // New server connections log in as the role and get its settings; several clients, several transactions.
            const clients = await Promise.all([connect({}), connect({}), connect({})]);
            const seen = new Set<string>();
            for (let i = 0; i < 5; i++) for (const c of clients) seen.add((await c.query("SHOW statement_timeout")).rows[0].statement_timeout as string);
            await Promise.all(clients.map((c) => c.end()));
            assert.deepEqual([...seen], ["7s"]);
            const inTx = await connect({});
            await inTx.query("BEGIN");
            await inTx.query("SET LOCAL statement_timeout = '2s'");
            assert.equal((await inTx.query("SHOW statement_timeout")).rows[0].statement_timeout, "2s");
            await inTx.query("COMMIT");
            await inTx.end();
        } finally {
            const reset = await connect({});
            await reset.query("ALTER ROLE CURRENT_USER RESET statement_timeout");
            await reset.end();
        }
    });
});
