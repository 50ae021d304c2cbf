// Two servers behind the load balancer's stand-in, on real Docker: each server a Docker engine of
// its own, HAProxy with the Scaleway backend's settings in front, a PostgreSQL 15 over TLS standing
// in for the managed database (tools/e2e/fleet/). The run happens once (npm run e2e:fleet); each
// test asserts one outcome of it. Figures are printed by `npm run bench`.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needs } from "../support/requirements";
import { lastJsonLine } from "../../tools/e2e/run";

const skip = needs("docker", "root", "debootstrap", "wrk", "haproxy", "psql", "/usr/lib/postgresql/15/bin/initdb");
const ROOT = path.resolve(__dirname, "../..");
let r: any;
const lost = (c: { failed: number; non2xx: number }) => c.failed + c.non2xx;

describe("two servers behind the load balancer", { skip, timeout: 3_600_000 }, () => {
    before(() => {
        const run = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools/e2e-fleet.ts")], { cwd: ROOT, encoding: "utf8", timeout: 3_600_000, stdio: ["ignore", "pipe", "pipe"] });
        if (run.status !== 0) throw new Error(`the multi-server run failed (exit ${run.status}): ${(run.stderr ?? "").slice(-3000)}`);
        r = lastJsonLine(run.stdout);
    }, { timeout: 3_600_000 });

    describe("bring-up", () => {
        test("every route answers through the load balancer over HTTPS, anything else is 404, HTTP redirects", () => {
            assert.deepEqual(r.bringUp.routes, { "/health": 200, "/app1/": 200, "/api/app1/items": 200, "/app2/": 200, "/api/app2/items": 200, "/unknown": 404 });
            assert.equal(r.bringUp.redirect.status, 301);
            assert.equal(r.bringUp.redirect.location, "https://127.0.0.1:19443/app1/");
        });
        test("both servers serve: the load balancer spreads the requests", () => {
            assert.ok(r.bringUp.served.every((n: number) => n > 0), JSON.stringify(r.bringUp.served));
        });
        test("apps use the managed database's stand-in, every connection over TLS", () => {
            assert.ok(r.bringUp.visits > 0, String(r.bringUp.visits));
            assert.ok(r.bringUp.appConnections > 0);
            assert.equal(r.bringUp.appConnectionsWithoutTls, 0);
        });
        test("an app's user cannot connect to another app's database", () => {
            assert.match(r.bringUp.isolation, /permission denied for database "app2_db"/);
        });
    });

    describe("a rolling release over both servers under load", () => {
        test("succeeds on both servers: only the new version answers, one container per server", () => {
            assert.equal(r.rolling.ok, true, r.rolling.error);
            assert.deepEqual(r.rolling.versions, ["2"]);
            assert.deepEqual(r.rolling.servers.map((s: any) => [s.backends.length, s.pending]), [[1, false], [1, false]]);
            assert.equal(r.rolling.rollout.servers.length, 2);
        });
        test("no request failed, for autocannon, a strict client and wrk GET and POST", () => {
            assert.deepEqual([r.rolling.failed, r.rolling.non2xx], [0, 0]);
            assert.deepEqual([r.rolling.strict.failed, r.rolling.strict.non2xx], [0, 0], String(r.rolling.strict.errors));
            for (const c of r.rolling.clients) {
                assert.ok(c.requests > 0, c.client);
                assert.deepEqual([c.failed, c.non2xx], [0, 0], JSON.stringify(c));
            }
        });
        test("the clients ran for the whole release: each started before `up` and ran on after it returned", () => {
            assert.equal(r.rolling.clientsOutlasted, true, JSON.stringify(r.rolling.spans));
            assert.equal(r.rolling.spans.length, 3);
            assert.ok(r.rolling.requests > 1000, String(r.rolling.requests));
        });
    });

    describe("a release that fails on the second server", () => {
        test("fails `up` naming server 2 and the reason", () => {
            assert.equal(r.failedOnSecond.ok, false);
            assert.match(r.failedOnSecond.error, /release of app1 backend \(local\/fleet\/backend:next\) failed on server 2 \(unix:\/\/\/run\/multi-server-e2e\/engine-2\.sock\): not healthy within 60s/);
        });
        test("server 1, already switched, was switched back", () => {
            assert.equal(r.failedOnSecond.rollout.switchedBack, 1);
            assert.match(r.failedOnSecond.error, /1 server\(s\) switched back: the whole fleet serves the previous version/);
        });
        test("both servers serve the previous version, one container each, nothing pending", () => {
            assert.deepEqual(r.failedOnSecond.versions, ["2"]);
            assert.deepEqual(r.failedOnSecond.servers.map((s: any) => [s.backends.length, s.pending]), [[1, false], [1, false]]);
            assert.deepEqual(r.failedOnSecond.servers.map((s: any) => s.backends), r.rolling.servers.map((s: any) => s.backends), "the very containers of the last release");
        });
        test("no request failed while it happened", () => {
            assert.deepEqual([r.failedOnSecond.failed, r.failedOnSecond.non2xx], [0, 0]);
            assert.deepEqual([r.failedOnSecond.strict.failed, r.failedOnSecond.strict.non2xx], [0, 0], String(r.failedOnSecond.strict.errors));
            for (const c of r.failedOnSecond.clients) {
                assert.ok(c.requests > 0, c.client);
                assert.equal(lost(c), 0, JSON.stringify(c));
            }
            assert.ok(r.failedOnSecond.strict.requests > 0, "the strict client sent requests");
            assert.equal(r.failedOnSecond.clientsOutlasted, true, JSON.stringify(r.failedOnSecond.spans));
        });
        test("back to the released config, nothing rolls again: the backend's rollout changes no server, the same containers serve", () => {
            const b = r.backToReleased;
            assert.equal(b.ok, true, b.error);
            // The failed rollout's command may run again (its input changed back); when it does,
            // every server must report its release already serving.
            if (b.commandsRun.includes("app1-backend-rollout")) {
                assert.equal(b.backendRollout?.ok, true, JSON.stringify(b.backendRollout));
                assert.equal(b.backendRollout.servers.length, 2, JSON.stringify(b.backendRollout));
                for (const s of b.backendRollout.servers) assert.equal(s.changed, false, JSON.stringify(s));
            }
            assert.deepEqual(b.versions, ["2"]);
            assert.deepEqual(b.servers.map((s: any) => s.backends), r.rolling.servers.map((s: any) => s.backends), "the very containers of the last release");
            assert.deepEqual(b.servers.map((s: any) => s.pending), [false, false]);
            assert.ok(!b.commandsRun.includes("app1-frontend-rollout"), b.commandsRun.join());
        });
    });

    describe("the nightly dump against the managed database", () => {
        test("dumps every app database and shared_db over TLS as the backup user", () => {
            assert.equal(r.backups.jobCode, 0, r.backups.jobOutput);
            assert.deepEqual(r.backups.dumps.map((d: any) => [d.db, d.files > 0]), [["app1_db", true], ["app2_db", true], ["shared_db", true]]);
            // What the database saw during the job (its connection log), not what the job says:
            // a pg_dump of each database, as the backup user, over TLS; nothing as the admin.
            const c: { user: string; db: string; program: string; tls: boolean }[] = r.backups.jobConnections;
            const dumps = c.filter((x) => x.program === "pg_dump");
            assert.deepEqual([...new Set(dumps.map((x) => x.db))].sort(), ["app1_db", "app2_db", "shared_db"], JSON.stringify(c));
            assert.deepEqual(dumps.filter((x) => x.user !== "platform_backup" || !x.tls), [], "every dump connection is the backup user's, over TLS");
            assert.deepEqual(c.filter((x) => x.user === "postgres"), [], "the admin is not used by the nightly dump");
        });
        test("the status report on server 1 sees the instance and judges the dumps; server 2 checks the instance only", () => {
            assert.deepEqual(r.backups.databaseChecks, { "managed instance": "ok" });
            assert.deepEqual(r.backups.backupChecks, { app1_db: "ok", app2_db: "ok", shared_db: "ok" });
            assert.deepEqual(r.backups.secondServer.database, { "managed instance": "ok" });
            assert.equal(r.backups.secondServer.judgesBackups, false);
        });
    });
});
