// The multi-server end-to-end run: the platform on two "servers" behind the load balancer's stand-in
// with the managed database's stand-in; a rolling release under load; a release that fails on the
// second server; the nightly dump against the managed database and the status report's view of it.
// One JSON object of outcomes; tests/e2e/fleet.test.ts asserts them, `npm run bench` the figures.
import * as fs from "node:fs";
import * as path from "node:path";
import type { FleetRig, Log } from "./rig";
import { LB_PORTS } from "./rig";
import { startLoad } from "../load";
import { startWrk } from "../clients";
import { run } from "../applier";
import { lastJsonLine } from "../run";
import { get, sleep, versions } from "../scenarios/common";
import { pendingFile } from "../../../render/app/release";
import { PLATFORM_LABEL } from "../../../config/naming";

const PATHS = ["/app1/", "/api/app1/items", "/app2/", "/api/app2/items"];
/** wrk's upper bound: it is stopped STOP_MARGIN_MS after `up` returns, whatever the rollout took. */
const WRK_MAX_SECONDS = 900;
/** The clients stop this long after `up` returns, so they cover the rollout's last steps too. */
const STOP_MARGIN_MS = 3000;
const backendImage = (image: string) => (raw: Record<string, any>) => void raw.apps.forEach((a: any) => (a.backend.image = image));

/** A service's containers on server i (by the platform's label). */
async function containers(rig: FleetRig, i: number, app: string, service: string): Promise<string[]> {
    const out = (await rig.docker(i, ["ps", "-a", "--filter", `label=${PLATFORM_LABEL}=app:${app}:${service}`, "--format", "{{.Names}}"])).stdout;
    return out.split("\n").filter(Boolean).sort();
}

/** SQL as the stand-in's admin, over TLS. */
async function adminSql(rig: FleetRig, db: string, sql: string): Promise<string> {
    const m = rig.platform.cfg.local.managedDatabase!;
    const pw = fs.readFileSync(path.join(path.dirname(m.caFile), "admin-password"), "utf8").trim();
    const r = await run("psql", ["-XAt", `host=${m.host} port=${m.port} user=postgres dbname=${db} sslmode=verify-full sslrootcert=${m.caFile}`, "-c", sql], undefined, { PGPASSWORD: pw });
    return r.code === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
}

async function bringUp(rig: FleetRig, log: Log) {
    log("bringing up two servers");
    const up = await rig.platform.up();
    if (!up.ok) throw new Error(`bring-up failed: ${up.error}`);
    const routes: Record<string, number> = {};
    for (const p of ["/health", ...PATHS, "/unknown"]) routes[p] = (await get(rig.baseUrl + p)).status;
    const redirect = await fetch(`http://127.0.0.1:${LB_PORTS.http}/app1/`, { redirect: "manual" }).then((r) => ({ status: r.status, location: r.headers.get("location") }));
    // Both servers answer through the load balancer: each one's access log has the requests.
    for (let k = 0; k < 20; k++) await get(rig.baseUrl + "/api/app1/items");
    await sleep(1500);
    const served = [0, 1].map((i) => fs.readFileSync(path.join(rig.root(i), "logs/nginx/access.log"), "utf8").split("\n").filter((l) => l.includes("/api/app1/items")).length);
    return {
        routes,
        redirect,
        served,
        visits: Number(await adminSql(rig, "app1_db", "SELECT count(*) FROM visits")),
        // Every connection the apps hold is TLS: pg_stat_ssl per client backend.
        appConnectionsWithoutTls: Number(await adminSql(rig, "postgres", "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename IN ('app1','app2') AND NOT s.ssl")),
        appConnections: Number(await adminSql(rig, "postgres", "SELECT count(*) FROM pg_stat_activity WHERE usename IN ('app1','app2')")),
        isolation: await adminSqlAs(rig, "app2_db", "app1"),
    };
}

/** app1's role trying app2's database: refused. */
async function adminSqlAs(rig: FleetRig, db: string, role: string): Promise<string> {
    const m = rig.platform.cfg.local.managedDatabase!;
    const pw = rig.platform.generated(`managed-database-${role}-password`);
    const r = await run("psql", ["-XAt", `host=${m.host} port=${m.port} user=${role} dbname=${db} sslmode=verify-full sslrootcert=${m.caFile}`, "-c", "SELECT 1"], undefined, { PGPASSWORD: pw });
    return r.code === 0 ? "connected" : r.stderr.trim();
}

/** Under load from clients that never retry, through the load balancer's stand-in, from before `action` until after it returned. */
async function underLoad<T>(rig: FleetRig, action: () => Promise<T>) {
    const load = startLoad(rig.baseUrl, PATHS);
    const clients = [startWrk(`${rig.baseUrl}/api/app1/items`, { seconds: WRK_MAX_SECONDS, method: "GET" }), startWrk(`${rig.baseUrl}/api/app1/items`, { seconds: WRK_MAX_SECONDS, method: "POST" })];
    await sleep(1000);
    const startedAt = Date.now();
    const result = await action();
    const endedAt = Date.now();
    await sleep(STOP_MARGIN_MS);
    const [foreign, loadResult] = await Promise.all([Promise.all(clients.map((c) => c.stop!())), load.stop()]);
    // Each client's own account of when it ran: it must have started before `up` and run on after it.
    const spans = [...foreign.map((c) => ({ client: c.client, from: c.startedAt, to: c.startedAt + c.seconds * 1000 })), { client: "autocannon", from: loadResult.startedAt, to: loadResult.endedAt }];
    const clientsOutlasted = spans.every((sp) => sp.from <= startedAt && sp.to >= endedAt);
    return { result, seconds: (endedAt - startedAt) / 1000, load: loadResult, clients: foreign.map(({ output: _o, ...c }) => c), clientsOutlasted, spans: spans.map((sp) => ({ client: sp.client, startedBefore: (startedAt - sp.from) / 1000, endedAfter: (sp.to - endedAt) / 1000 })) };
}

async function fleetState(rig: FleetRig) {
    const perServer = [];
    for (const i of [0, 1])
        perServer.push({
            backends: await containers(rig, i, "app1", "backend"),
            pending: fs.existsSync(path.join(rig.root(i), pendingFile("app1", "backend"))),
        });
    return { versions: await versions(rig.baseUrl, "/api/app1/items", 60), servers: perServer };
}

async function rollingRelease(rig: FleetRig, log: Log) {
    log("rolling app1's and app2's backends 1 -> 2 over both servers under load");
    const r = await underLoad(rig, () => rig.platform.up(backendImage("local/demo/backend:2")));
    const rollout = r.result.commands.find((c) => c.name === "app1-backend-rollout");
    return { ok: r.result.ok, error: r.result.error ?? "", ...r.load, clients: r.clients, clientsOutlasted: r.clientsOutlasted, spans: r.spans, rollout: lastJsonLine<Record<string, unknown>>(rollout?.stdout ?? "", {}), ...(await fleetState(rig)) };
}

async function failOnSecondServer(rig: FleetRig, log: Log) {
    log("a release that works on server 1 and fails on server 2, under load");
    // The same tag is a working image on server 1's engine and a broken one on server 2's.
    await rig.docker(0, ["tag", "local/demo/backend:1", "local/fleet/backend:next"]);
    await rig.docker(1, ["tag", "local/demo/backend:broken", "local/fleet/backend:next"]);
    const r = await underLoad(rig, () =>
        rig.platform.up((raw) => {
            backendImage("local/demo/backend:2")(raw);
            raw.apps[0].backend.image = "local/fleet/backend:next";
        }),
    );
    const rollout = r.result.commands.find((c) => c.name === "app1-backend-rollout");
    return { ok: r.result.ok, error: r.result.error ?? "", ...r.load, clients: r.clients, clientsOutlasted: r.clientsOutlasted, spans: r.spans, rollout: lastJsonLine<Record<string, unknown>>(rollout?.stdout ?? "", {}), ...(await fleetState(rig)) };
}

/** The stand-in's log (log_connections): each connection from `offset` on, with its user, database, client program and TLS. */
function connectionsSince(rig: FleetRig, offset: number) {
    const file = path.join(path.dirname(rig.platform.cfg.local.managedDatabase!.caFile), "postgres.log");
    return fs.readFileSync(file, "utf8").slice(offset).split("\n").flatMap((l) => {
        const m = /connection authorized: user=(\S+) database=(\S+)(?: application_name=(\S+))?(.*)$/.exec(l);
        return m ? [{ user: m[1], db: m[2], program: m[3] ?? "", tls: / SSL enabled \(protocol=TLS/.test(m[4]) }] : [];
    });
}

const standinLogSize = (rig: FleetRig) => fs.statSync(path.join(path.dirname(rig.platform.cfg.local.managedDatabase!.caFile), "postgres.log")).size;

async function backups(rig: FleetRig, log: Log) {
    log("the nightly dump against the managed database, and the status report");
    const logOffset = standinLogSize(rig);
    const job = await rig.bash(0, `${rig.root(0)}/bin/run-job backup`);
    const jobConnections = connectionsSince(rig, logOffset);
    const status = await rig.bash(0, `python3 ${rig.root(0)}/bin/platform-status --refresh`);
    const report = JSON.parse(fs.readFileSync(path.join(rig.root(0), "state/status.json"), "utf8"));
    const checks = (group: string) => Object.fromEntries(report.checks.filter((c: any) => c.group === group).map((c: any) => [c.name, c.status]));
    const dumps = ["app1_db", "app2_db", "shared_db"].map((db) => ({ db, files: fs.existsSync(path.join(rig.root(0), "backups", db)) ? fs.readdirSync(path.join(rig.root(0), "backups", db)).length : 0 }));
    const second = await rig.bash(1, `python3 ${rig.root(1)}/bin/platform-status --refresh`);
    const report2 = JSON.parse(fs.readFileSync(path.join(rig.root(1), "state/status.json"), "utf8"));
    return {
        jobCode: job.code,
        jobOutput: (job.stdout + job.stderr).slice(-1500),
        dumps,
        jobConnections,
        backupChecks: checks("backups"),
        databaseChecks: checks("database"),
        statusCode: status.code,
        secondServer: { code: second.code, database: Object.fromEntries(report2.checks.filter((c: any) => c.group === "database").map((c: any) => [c.name, c.status])), judgesBackups: report2.checks.some((c: any) => c.group === "backups") },
    };
}

export async function runFleetScenario(rig: FleetRig, log: Log) {
    const up = await bringUp(rig, log);
    const rolling = await rollingRelease(rig, log);
    const failed = await failOnSecondServer(rig, log);
    // Back to the released config: nothing to roll (the failed rollout may run again, and must find
    // every server already serving it).
    const again = await rig.platform.up(backendImage("local/demo/backend:2"));
    const backendRollout = again.commands.find((c) => c.name === "app1-backend-rollout");
    const backToReleased = {
        ok: again.ok,
        error: again.error ?? "",
        commandsRun: again.commands.map((c) => c.name),
        backendRollout: backendRollout ? lastJsonLine<Record<string, unknown>>(backendRollout.stdout ?? "", {}) : null,
        ...(await fleetState(rig)),
    };
    const dump = await backups(rig, log);
    return { bringUp: up, rolling, failedOnSecond: failed, backToReleased, backups: dump };
}
