// End to end on a real Docker engine: the platform as the program declares it, applied by the
// engine double (tools/e2e/applier.ts), with releases and day-two changes under load from clients
// that never retry. The run happens once (npm run e2e); each test asserts one outcome of it.
// Figures (rates, seconds) are printed by `npm run bench`, never asserted beyond safety bounds.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../support/requirements";
import { runScenarioProcess } from "../../tools/e2e/run";
import type { ScenarioResult } from "../../tools/e2e/scenario";

const skip = needs("docker", "root", "debootstrap", "wrk", "h2load", "pebble", "pebble-challtestsrv", "certbot", "setfacl");
let r: ScenarioResult;
const lost = (c: { failed: number; non2xx: number }) => c.failed + c.non2xx;

describe("the platform on Docker", { skip, timeout: 1_800_000 }, () => {
    before(() => {
        r = runScenarioProcess();
    }, { timeout: 1_800_000 });

    describe("bring-up", () => {
        test("every route answers through HTTPS, and anything else is 404", () => {
            assert.deepEqual(r.bringUp.routes, { "/health": 200, "/app1/": 200, "/api/app1/items": 200, "/app2/": 200, "/api/app2/items": 200, "/unknown": 404 });
        });
        test("each backend counts visits in its own database", () => {
            assert.ok(r.bringUp.databases.app1_db >= 1 && r.bringUp.databases.app2_db >= 1, JSON.stringify(r.bringUp.databases));
        });
        test("an app's role cannot connect to another app's database", () => {
            assert.match(r.bringUp.isolation, /permission denied for database "app2_db"/);
            assert.match(r.bringUp.isolationThroughPooler.app2Db, /permission denied for database "app2_db"/);
            assert.equal(r.bringUp.isolationThroughPooler.app1Db, "app1", "control: app1 reaches its own database through the pooler");
        });
        test("the PostgreSQL superuser password is not in `docker inspect` (it is a file)", () => {
            assert.equal(r.bringUp.superuserPasswordInInspect, false);
        });
        test("an app's backend reaches PostgreSQL but no container of another app", () => {
            // A probe whose tool is missing would fail too: the refusals below count only with the tools there.
            assert.equal(r.bringUp.network.probeToolsInApp1, true, "getent or curl is missing in app1's backend");
            const { reachesPostgres, resolvesApp2, reachesApp2ByAddress, onDatabaseNetwork } = r.bringUp.network;
            assert.deepEqual({ reachesPostgres, resolvesApp2, reachesApp2ByAddress, onDatabaseNetwork }, { reachesPostgres: true, resolvesApp2: false, reachesApp2ByAddress: false, onDatabaseNetwork: false });
        });
        test("control: the same probes from app2's frontend resolve app2's backend and reach its app-network address", () => {
            assert.match(r.bringUp.network.app2Address, /^\d+\.\d+\.\d+\.\d+$/);
            assert.deepEqual(r.bringUp.network.control, { resolvesApp2: true, reachesApp2ByAddress: true });
        });
    });

    describe("a release of app1's backend under load", () => {
        test("succeeds: only the new version answers, from one container", () => {
            assert.equal(r.release.ok, true, r.release.error);
            assert.deepEqual(r.release.versionsAfter, ["2"]);
            assert.equal(r.release.containersAfter.length, 1, `old container left: ${r.release.containersAfter}`);
        });
        test("autocannon and the strict Node client lose nothing and see only 2xx", () => {
            assert.ok(r.release.requests > 0 && r.release.strict.requests > 0, `autocannon ${r.release.requests}, strict ${r.release.strict.requests} requests`);
            assert.deepEqual([r.release.failed, r.release.non2xx], [0, 0]);
            assert.deepEqual([r.release.strict.failed, r.release.strict.non2xx], [0, 0], String(r.release.strict.errors));
        });
        for (const client of ["wrk GET", "wrk POST", "h2load"]) {
            test(`${client}, which never retries, loses nothing`, () => {
                const c = r.release.clients.find((x) => x.client === client);
                assert.ok(c, `no result from ${client}`);
                assert.ok(c.requests > 0, `${client} sent nothing`);
                assert.deepEqual([c.failed, c.non2xx], [0, 0], JSON.stringify(c));
            });
        }
        test("the clients ran for the whole release: each started before `up` and ran on after it returned", () => {
            const spans = r.release.clientsAroundRelease;
            assert.deepEqual(spans.map((c) => c.client).sort(), ["autocannon", "h2load", "wrk GET", "wrk POST"]);
            for (const c of spans) assert.ok(c.startedBefore >= 0 && c.endedAfter >= 0, JSON.stringify(c));
        });
        test("nginx switches only once the new container is healthy", () => {
            // Seen by neither the release script nor its timestamps: a watcher probing the new
            // container's health endpoint itself, and nginx's access log of what it sent there.
            const c = r.release.newContainer;
            assert.ok(c, "the watcher never saw the new container");
            assert.ok(c.firstHealthySent !== null, `the watcher never saw it healthy: ${JSON.stringify(c)}`);
            assert.ok(c.firstRequest, `nginx sent ${c.ip} no request`);
            assert.match(c.firstRequest.upstreamStatus, /^2\d\d$/, `its first request was not answered: ${JSON.stringify(c.firstRequest)}`);
            assert.ok(c.lastUnhealthySent === null || c.lastUnhealthySent < c.firstRequest.startedAt, `it was still unhealthy ${(c.lastUnhealthySent! - c.firstRequest.startedAt) / 1000}s after nginx sent it a request: ${JSON.stringify(c)}`);
            assert.ok(r.cutoverSeconds !== null && r.cutoverSeconds > 0 && r.cutoverSeconds < 60, `cutover ${r.cutoverSeconds}s`);
        });
        test("enough traffic went through that a lost request would show", () => {
            assert.ok(r.requests > 1000, `only ${r.requests} requests were sent`);
        });
    });

    describe("why releases switch with a marker, not an nginx reload", () => {
        // A reload's losses under load depend on timing (npm run bench prints them); what a reload
        // does to a keep-alive connection that is idle when it happens does not: the old workers
        // close it, and the client's next request on it is lost. The marker switch leaves it open.
        test("an nginx reload closes a client's idle keep-alive connection: its next request is lost", () => {
            const x = r.reloadSwitch;
            assert.equal(x.reloadCode, 0);
            assert.ok(x.newWorkers > 0, "no new nginx worker: the reload did not happen");
            assert.equal(x.idleAfterReload.secondStatus, null, JSON.stringify(x.idleAfterReload));
        });
        test("a release's marker switch keeps it open: its next request is answered", () => {
            assert.deepEqual(r.release.idleAfterRelease, { closedWhileIdle: false, secondStatus: 200, error: "" });
        });
    });

    describe("the same config again", () => {
        test("runs no command and replaces nothing", () => {
            assert.deepEqual(r.rerun.commandsRun, []);
            assert.deepEqual(r.rerun.stepsRun, []);
        });
        test("the release script, forced to run, finds the release already serving", () => {
            assert.equal(r.rerun.forcedScript.code, 0);
            assert.equal(r.rerun.forcedScript.changed, false);
            assert.deepEqual(r.rerun.forcedScript.containersAfter, r.release.containersAfter);
        });
    });

    describe("a release to a broken image", () => {
        test("fails `up` naming the app, the image and the health output", () => {
            assert.equal(r.brokenRelease.ok, false);
            assert.match(r.brokenRelease.error, /release of app2 backend \(local\/demo\/backend:broken\) failed: not healthy within 20s; last health output: .*500/);
            assert.match(r.brokenRelease.error, /keeps serving/);
        });
        test("leaves the old version serving without losing a request, even for a client that never retries", () => {
            assert.deepEqual(r.brokenRelease.versionsAfter, ["1"]);
            assert.ok(r.brokenRelease.requests > 0 && r.brokenRelease.strict.requests > 0, `autocannon ${r.brokenRelease.requests}, strict ${r.brokenRelease.strict.requests} requests`);
            assert.deepEqual([r.brokenRelease.failed, r.brokenRelease.non2xx], [0, 0]);
            assert.deepEqual([r.brokenRelease.strict.failed, r.brokenRelease.strict.non2xx], [0, 0], String(r.brokenRelease.strict.errors));
        });
    });

    describe("a release that fails real requests after the switch", () => {
        test("is switched back during the watch, naming the 5xx share", () => {
            assert.equal(r.watchRollback.ok, false);
            assert.match(r.watchRollback.error, /release of app1 backend .* failed: rolled back to app1-backend-\w+ after the switch: \d+ of \d+ responses from app1-backend-\w+ in the last \d+s were 5xx/);
        });
        test("the previous version serves again and the failed container is gone", () => {
            assert.deepEqual(r.watchRollback.versionsAfter, ["2"]);
            assert.equal(r.watchRollback.containersAfter.length, 1, `containers: ${r.watchRollback.containersAfter}`);
        });
        test("reports how many 5xx users got and how fast it switched back", () => {
            assert.ok(r.watchRollback.served5xx !== null && r.watchRollback.served5xx > 0, String(r.watchRollback.served5xx));
            assert.equal(typeof r.watchRollback.firstErrorToRollbackSeconds, "number");
        });
        test("no connection failed while the bad version served, for autocannon nor for the strict client", () => {
            const w = r.watchRollback;
            assert.ok(w.requests > 0 && w.strict.requests > 0, `autocannon ${w.requests}, strict ${w.strict.requests} requests`);
            assert.equal(w.failed, 0);
            assert.equal(w.strict.failed, 0, String(w.strict.errors));
        });
    });

    describe("the status job on the platform", () => {
        test("its page is written; through the published ports it is 404 on the apps' origin and 403 on its own (a gateway is never allowed)", () => {
            assert.equal(r.status.jobCode, 0);
            assert.equal(r.status.appsOriginStatus, 404);
            assert.equal(r.status.pageOriginStatus, 403);
            assert.deepEqual(r.status.appsOnPage, ["app1", "app2"]);
        });
        test("every release outcome is recorded with its image digest: released, failed, rolled back", () => {
            const seen = (app: string, service: string, outcome: string) => r.status.events.filter((e) => e.app === app && e.service === service && e.outcome === outcome);
            for (const app of ["app1", "app2"]) for (const service of ["frontend", "backend"]) assert.ok(seen(app, service, "released").length >= 1, `${app} ${service} released`);
            assert.ok(seen("app1", "backend", "released").length >= 2, "bring-up and 1 -> 2");
            assert.match(seen("app2", "backend", "failed")[0]?.reason ?? "", /not healthy within 20s/);
            assert.match(seen("app1", "backend", "rolled-back")[0]?.reason ?? "", /rolled back to app1-backend-\w+ after the switch/);
            for (const e of r.status.events) assert.match(e.digest, /^sha256:[0-9a-f]{64}$/, JSON.stringify(e));
        });
        test("the page marks app1's releases and its rollback", () => {
            assert.ok(r.status.markers.includes("app1 released") && r.status.markers.includes("app1 rolled-back"), r.status.markers.join(", "));
        });
    });

    describe("day-two changes", () => {
        test("a second `up` with nothing changed plans nothing and runs no command", () => {
            assert.deepEqual([r.secondUp.previewSteps, r.secondUp.stepsRun, r.secondUp.commandsRun, r.secondUp.ok], [[], [], [], true]);
        });
        describe("a new nginx image, under wrk, h2load, a browser-like client and a client that never retries", () => {
            const n = () => r.nginxImageChange;
            test("replaces only the nginx server, beside the old one, whose delete is the `up`'s last step; the holder keeps the ports", () => {
                assert.equal(n().ok, true, n().error);
                assert.deepEqual(n().preview, ["replace mhylle-nginx-server"]);
                assert.equal(n().holderKept, true);
                const steps = n().steps;
                const del = steps.indexOf("delete mhylle-nginx-server");
                const lastNonDelete = Math.max(...steps.map((s, i) => (s.startsWith("delete ") ? -1 : i)));
                assert.ok(del > lastNonDelete, `the old server went before every create and update ended: ${steps.join(", ")}`);
                // Its ready command is replaced with it; the old one's delete retires the old name (whatever runs under it).
                assert.ok(steps.indexOf("delete mhylle-nginx-server-ready") > lastNonDelete, steps.join(", "));
                const figures = (c: { requests: number; failed: number; non2xx: number }) => `${c.failed + c.non2xx} of ${c.requests}`;
                console.log(JSON.stringify({ nginxImageChange: { upSeconds: n().upSeconds, refused: n().wrk.refused + n().browser.refused, browser: figures(n().browser), retried: n().browser.retried, wrk: figures(n().wrk), h2load: figures(n().h2load), strict: figures(n().strict), idle: n().idleAfterChange.secondStatus, reloadIdle: r.reloadSwitch.idleAfterReload.secondStatus } }));
                assert.ok(!n().commandsRun.some((c) => /proxy-attach/.test(c)), `apps joined again: ${n().commandsRun.join(", ")}`);
                assert.equal(n().serversAfter.length, 1, n().serversAfter.join(", "));
                assert.notDeepEqual(n().serversAfter, n().serversBefore);
                assert.equal(n().serverOnNewImage, true);
                assert.ok(Object.values(n().routesAfter).every((s) => s === 200), JSON.stringify(n().routesAfter));
            });
            test("no connection is refused", () => {
                assert.deepEqual([n().wrk.refused, n().browser.refused], [0, 0], n().wrk.output);
                assert.doesNotMatch(n().h2load.output, /could not connect|connect failed/i);
            });
            test("no request fails for the browser-like client, and the load covered the whole `up`", () => {
                assert.ok(n().browser.requests > 100 && n().wrk.requests > 100 && n().h2load.requests > 100, JSON.stringify({ browser: n().browser.requests, wrk: n().wrk.requests, h2load: n().h2load.requests }));
                assert.equal(n().h2load.coveredUp, true, n().h2load.output);
                assert.deepEqual([n().browser.failed, n().browser.non2xx], [0, 0], JSON.stringify(n().browser));
            });
            test("clients that never retry lose no more than one graceful reload makes them lose", () => {
                // The old nginx quits as a reload's old workers do: each keep-alive connection is
                // closed once, idle or after its request; HTTP/2 gets a GOAWAY. At most one request per
                // connection (wrk 8, strict 4) or the streams open at the GOAWAY (h2load 4 x 4).
                assert.deepEqual([n().wrk.non2xx, n().h2load.non2xx, n().strict.non2xx], [0, 0, 0]);
                assert.ok(n().wrk.failed <= 8, n().wrk.output);
                assert.ok(n().strict.failed <= 4, JSON.stringify(n().strict));
                assert.ok(n().h2load.failed <= 16, n().h2load.output);
                // Deterministic: a keep-alive connection idle across it is closed, as by a reload.
                assert.equal(n().idleAfterChange.secondStatus, r.reloadSwitch.idleAfterReload.secondStatus, JSON.stringify(n().idleAfterChange));
            });
        });
        describe("a new nginx image that cannot start, then back to the image before, under a browser-like client and one that never retries", () => {
            const f = () => r.nginxFailedImage;
            test("the `up` fails on the new server's check; the old server alone serves on, and `nginx -t` runs in it", () => {
                assert.equal(f().failedOk, false);
                assert.match(f().failedError, /did not pass its health check/);
                assert.deepEqual(f().serversAfterFailure, f().serversBefore, "the failed server was stopped, the old one kept");
                assert.deepEqual(f().checksAfterFailure, [0]);
            });
            test("the `up` back converges: one server, under the old name, a container the engine created; the broken one is gone", () => {
                assert.equal(f().backOk, true, f().backError);
                assert.equal(f().newContainerUnderOldName, true, JSON.stringify({ before: f().serversBefore, after: f().serversAfter }));
                assert.deepEqual(f().brokenLeft, []);
            });
            test("no request failed for either client, none refused, through both `up`s", () => {
                console.log(JSON.stringify({ nginxFailedImage: { browser: `${f().browser.failed + f().browser.non2xx} of ${f().browser.requests}`, strict: `${f().strict.failed + f().strict.non2xx} of ${f().strict.requests}` } }));
                assert.ok(f().browser.requests > 100 && f().strict.requests > 100, JSON.stringify({ browser: f().browser.requests, strict: f().strict.requests }));
                assert.deepEqual([f().browser.failed, f().browser.non2xx, f().browser.refused], [0, 0, 0], JSON.stringify(f().browser));
                // The old server quits gracefully at the end of the way back, as in an image change.
                assert.equal(f().strict.non2xx, 0);
                assert.ok(f().strict.failed <= 4, JSON.stringify(f().strict));
            });
        });
        test("a new PostgreSQL minor image behind the pooler: PAUSE and RESUME run, no write failed, every acknowledged row kept, the longest write reported", () => {
            const pg = r.postgresReplace;
            assert.equal(pg.ok, true, pg.error);
            assert.equal(pg.postgresRunning, true);
            assert.ok(["database-pause", "database-resume"].every((c) => pg.commandsRun.includes(c)), pg.commandsRun.join(", "));
            assert.ok(pg.acknowledgedWrites > 0, "the writer wrote nothing");
            // Every acknowledged write is there; beyond them, at most the writes whose answer was lost.
            assert.ok(pg.rowsAfter >= pg.rowsBefore + pg.acknowledgedWrites, `rows ${pg.rowsBefore} + ${pg.acknowledgedWrites} acknowledged > ${pg.rowsAfter}: acknowledged writes were lost`);
            assert.ok(pg.rowsAfter <= pg.rowsBefore + pg.acknowledgedWrites + pg.failedWrites, `${pg.rowsAfter} rows: more than were written`);
            console.log(JSON.stringify({ figure: "e2e-postgres-minor-change", longestWriteMs: pg.longestWriteMs, failedWrites: pg.failedWrites, acknowledgedWrites: pg.acknowledgedWrites }));
            // Writes wait in the pooler: none fails (the demo's timeouts are above the pause, as the app contract asks).
            assert.equal(pg.failedWrites, 0, `${pg.failedWrites} writes failed; the longest took ${pg.longestWriteMs} ms`);
            assert.ok(pg.longestWriteMs > 0, "the longest write is measured");
            assert.ok(Object.values(pg.routesAfter).every((s) => s === 200), JSON.stringify(pg.routesAfter));
        });
        test("nginx recreated outside Pulumi is replaced by the next change, not a blocked create", () => {
            const o = r.outOfBandRecreate;
            assert.ok(Object.values(o.routesBetween).every((s) => s === 200), `the stray nginx served: ${JSON.stringify(o.routesBetween)}`);
            assert.equal(o.ok, true, o.error);
            assert.equal(o.replacedTheStray, true);
            assert.ok(Object.values(o.routesAfter).every((s) => s === 200), JSON.stringify(o.routesAfter));
        });
    });

    describe("a certificate renewal under load (Pebble as the CA, the production renewal job)", () => {
        // The job the platform renders (bin/run-job cert-renew: certbot renew, no reload) while the
        // release scenarios' clients run, and one more that opens a new TLS connection per request.
        const c = () => {
            assert.ok(r.certificateRenewal.renewal, `the first issuance failed: ${r.certificateRenewal.issued.error}`);
            return r.certificateRenewal.renewal;
        };
        test("`up` with ACME on issues the first certificate from Pebble, and nginx serves it", () => {
            const i = r.certificateRenewal.issued;
            assert.equal(i.ok, true, i.error);
            assert.ok(i.commandsRun.includes("certificates-issue"), i.commandsRun.join(", "));
            assert.match(i.issuer, /^Pebble Intermediate CA/);
        });
        test("the renewal job renews: new handshakes get the new certificate (a new serial)", () => {
            const x = c();
            assert.equal(x.jobCode, 0, x.jobLog.join("\n"));
            assert.match(x.jobLog.join("\n"), /certificate localhost\.localdomain renewed/);
            assert.equal(x.serialBefore, r.certificateRenewal.issued.serial, "before the renewal, handshakes got the issued certificate");
            assert.notEqual(x.renewedSerial, x.serialBefore, "certbot wrote a new certificate");
            assert.equal(x.servedAfter, x.renewedSerial, `new handshakes still got ${x.servedAfter} ${x.pickupSeconds}s after the renewal started`);
        });
        test("nginx is not reloaded: the same master and workers, none shutting down, and no certificate error logged", () => {
            const x = c();
            assert.ok(x.processesBefore.some((l) => / nginx: master /.test(l)) && x.processesBefore.some((l) => / nginx: worker process$/.test(l)), x.processesBefore.join("\n"));
            assert.deepEqual(x.processesAfter, x.processesBefore);
            assert.deepEqual(x.certificateErrors, []);
        });
        test("a keep-alive connection left idle across the renewal still answers", () => {
            assert.deepEqual(c().idleAfterRenewal, { closedWhileIdle: false, secondStatus: 200, error: "" });
        });
        test("no client loses a request or a connection: autocannon, the strict client, wrk GET and POST, h2load, new connections", () => {
            const x = c();
            const clients = [...x.clients, { client: "autocannon", ...x.load }, { client: "strict", ...x.load.strict }, { client: "new connections", requests: x.newConnections.requests, failed: x.newConnections.lost, non2xx: 0 }];
            assert.deepEqual(clients.map((k) => k.client).sort(), ["autocannon", "h2load", "new connections", "strict", "wrk GET", "wrk POST"]);
            for (const k of clients) {
                assert.ok(k.requests > 0, `${k.client} sent nothing`);
                assert.deepEqual([k.client, k.failed, k.non2xx], [k.client, 0, 0], JSON.stringify(k));
            }
        });
        test("the clients ran across the whole renewal: each started before the job and ran on until the new certificate was served", () => {
            const spans = c().clientsAroundRenewal;
            assert.deepEqual(spans.map((s) => s.client).sort(), ["autocannon", "h2load", "wrk GET", "wrk POST"]);
            for (const s of spans) assert.ok(s.startedBefore >= 0 && s.endedAfter >= 0, JSON.stringify(s));
        });
    });

    test("for comparison, a naive recreate does lose requests: the load can see failures", () => {
        // autocannon resends on a closed connection and nginx may hold a request until the new
        // container answers: the strict client, which does neither, is part of the load too.
        assert.ok(lost(r.naive) + lost(r.naive.strict) > 0, `naive recreate lost nothing? ${JSON.stringify(r.naive)}`);
    });
});
