// End to end on a real Docker engine: the platform as the program declares it, two apps, releases
// under ~400 requests per second through nginx (npm run e2e prints the same figures).
import { test } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../support/requirements";
import { runScenarioProcess } from "../../tools/e2e/run";

const skip = needs("docker", "root", "debootstrap");

test("blue-green releases drop no request; a broken release changes nothing; a naive recreate does drop", { skip, timeout: 900_000 }, () => {
    const result = runScenarioProcess();

    // 1. Every route answers; each backend uses its own database; app1 cannot reach app2's.
    assert.deepEqual(result.bringUp.routes, { "/health": 200, "/app1/": 200, "/api/app1/items": 200, "/app2/": 200, "/api/app2/items": 200, "/unknown": 404 });
    assert.ok(result.bringUp.databases.app1_db >= 1 && result.bringUp.databases.app2_db >= 1, JSON.stringify(result.bringUp.databases));
    assert.match(result.bringUp.isolation, /permission denied for database "app2_db"/);

    // 2. app1 backend 1 -> 2: zero failed, zero non-2xx; then only 2, one container. The rate the
    // load reached is a figure for `npm run bench`, never an assertion here.
    assert.equal(result.release.ok, true);
    assert.equal(result.release.failed, 0, "failed requests during the release");
    assert.equal(result.release.non2xx, 0, "non-2xx responses during the release");
    // A client that never retries: nginx's graceful reload closes idle keep-alive connections, so at
    // most one request per such connection (4 workers, one reload) can go unanswered; none is non-2xx.
    assert.equal(result.release.strict.non2xx, 0);
    assert.ok(result.release.strict.failed <= 4, `strict client lost ${result.release.strict.failed}: ${result.release.strict.errors}`);
    assert.ok(result.release.strict.requests > 100);
    assert.deepEqual(result.release.versionsAfter, ["2"]);
    assert.equal(result.release.containersAfter.length, 1, `old container left: ${result.release.containersAfter}`);
    assert.ok(result.cutoverSeconds > 0 && result.cutoverSeconds < 60, `cutover ${result.cutoverSeconds}s`);

    // A rerun with nothing changed does nothing: the engine runs no command, and the script itself,
    // forced to run, finds the release already serving.
    assert.deepEqual(result.rerun.commandsRun, []);
    assert.equal(result.rerun.forcedScript.code, 0);
    assert.equal(result.rerun.forcedScript.changed, false);
    assert.deepEqual(result.rerun.forcedScript.containersAfter, result.release.containersAfter);

    // 3. app2 backend to broken: zero failed, app2 still answers 1, the reason is reported.
    assert.equal(result.brokenRelease.ok, false);
    assert.equal(result.brokenRelease.failed, 0);
    assert.equal(result.brokenRelease.non2xx, 0);
    assert.deepEqual(result.brokenRelease.versionsAfter, ["1"]);
    // nginx is never reloaded for a release that fails its gates: even a client that never retries loses nothing.
    assert.deepEqual([result.brokenRelease.strict.failed, result.brokenRelease.strict.non2xx], [0, 0], String(result.brokenRelease.strict.errors));
    assert.match(result.brokenRelease.error, /release of app2 backend \(local\/demo\/backend:broken\) failed: not healthy within 20s; last health output: .*500/);
    assert.match(result.brokenRelease.error, /keeps serving/);

    // After the switch: a version that passes its health check but fails real requests is switched back.
    assert.equal(result.watchRollback.ok, false);
    assert.match(result.watchRollback.error, /release of app1 backend .* failed: rolled back to app1-backend-\w+ after the switch: \d+ of \d+ responses on \/api\/app1\/ were 5xx/);
    assert.deepEqual(result.watchRollback.versionsAfter, ["2"], "the previous version serves again");
    assert.equal(result.watchRollback.containersAfter.length, 1, `the failed container is removed: ${result.watchRollback.containersAfter}`);
    assert.equal(result.watchRollback.failed, 0, "no connection failed, even while the bad version served");

    // 4. The naive recreate, measured the same way, is seen to fail requests: the load can see failures.
    assert.ok(result.naive.failed + result.naive.non2xx > 0, `naive recreate lost nothing? ${JSON.stringify(result.naive)}`);
    // Enough traffic that a lost request would show: a safety bound far below what any machine sends.
    assert.ok(result.requests > 1000, `only ${result.requests} requests were sent`);
});
