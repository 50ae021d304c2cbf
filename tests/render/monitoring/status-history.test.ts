// The status history stays bounded: a simulated month of 5-minute samples (five apps) through the
// program's own append keeps 14 days and stays under monitoring.history.maxMb; a smaller bound
// drops the oldest days first; the release events file is rotated by rename. Each run's per-app
// numbers count the requests since the previous sample, once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { needs } from "../../support/requirements";
import { opsRoot, sh } from "../../support/ops";
import { sample, withProgram } from "../../support/status";

const skip = needs("python3");
const APPS = ["shop", "blog", "crm", "wiki", "api-gateway"];
const app = (name: string) => ({ name, frontend: { image: `ghcr.io/x/${name}-f:1` }, backend: { image: `ghcr.io/x/${name}-b:1` } });
const DAY = 86400;
const END = Math.floor(Date.UTC(2026, 10, 30, 12) / 1000);

/** Appends a month of samples every 5 minutes and a release event every 6 hours; returns what is left on disk. */
function simulateMonth(root: string) {
    const samples = [];
    for (let t = END - 30 * DAY; t <= END; t += 300) samples.push(sample(t, APPS, 120));
    const events = [];
    for (let t = END - 30 * DAY; t <= END; t += 6 * 3600) events.push({ t, app: "shop", service: "backend", image: `ghcr.io/x/shop-b@sha256:${"a".repeat(64)}`, digest: `sha256:${"a".repeat(64)}`, outcome: "released", container: "shop-backend-0123456789", reason: "" });
    fs.writeFileSync(path.join(root, "samples.json"), JSON.stringify(samples));
    fs.writeFileSync(path.join(root, "events.json"), JSON.stringify(events));
    return withProgram(
        root,
        `import os
samples = json.load(open(os.path.join(ps.ROOT, "samples.json")))
events = json.load(open(os.path.join(ps.ROOT, "events.json")))
os.makedirs(ps.history_dir(), exist_ok=True)
e = 0
for s in samples:
    ps.append_sample(s)
    while e < len(events) and events[e]["t"] <= s["t"]:
        with open(ps.events_file(), "a") as f: f.write(json.dumps(events[e]) + "\\n")
        e += 1
    ps.rotate_events(s["t"])
files = [(d, os.path.getsize(p)) for d, p in ps.sample_files()]
kept = ps.read_samples(0)
print(json.dumps({"files": files, "bytes": sum(b for _, b in files), "all": ps.history_bytes(), "oldest": kept[0]["t"], "newest": kept[-1]["t"], "count": len(kept), "events": len(ps.read_events(0)), "day": len(ps.read_samples(${END} - 86400))}))`,
    );
}

let month: any, small: any;
const roots: { cleanup(): void }[] = [];
before(() => {
    if (skip) return;
    const normal = opsRoot({ apps: APPS.map(app) });
    const tight = opsRoot({ apps: APPS.map(app), monitoring: { history: { maxMb: 1 } } });
    roots.push(normal, tight);
    month = simulateMonth(normal.root);
    small = simulateMonth(tight.root);
    console.log(JSON.stringify({ figure: "status-history-bytes-after-a-month", bytes: month.all, samplesKept: month.count, apps: APPS.length }));
});
after(() => roots.forEach((r) => r.cleanup()));

test("a month of samples leaves 14 days, within 5 MB", { skip }, () => {
    assert.ok(month.bytes <= 5 * 1024 * 1024, `${month.bytes} bytes`);
    assert.ok(month.files.length <= 15, `${month.files.length} day files`);
    assert.ok(month.oldest >= END - 15 * DAY, `oldest sample ${(END - month.oldest) / DAY} days old`);
    assert.ok(month.oldest <= END - 13 * DAY, `only ${(END - month.oldest) / DAY} days kept`);
    assert.equal(month.newest, END);
    // Every 5-minute sample of the last day is there for the page's 24-hour chart.
    assert.equal(month.day, 289);
});

test("a tighter bound (maxMb: 1) drops the oldest days first and keeps the newest", { skip }, () => {
    assert.ok(small.bytes <= 1024 * 1024, `${small.bytes} bytes`);
    assert.equal(small.newest, END);
    assert.ok(small.oldest > month.oldest, "fewer days than the 14-day bound alone keeps");
    assert.equal(small.day, 289);
});

test("release events older than retention are rotated away by rename; the recent ones stay readable", { skip }, () => {
    // 4 a day: the current file and the one set aside hold between 14 and 28 days of them.
    assert.ok(month.events >= 14 * 4 && month.events <= 29 * 4, `${month.events} events kept`);
    assert.ok(month.all - month.bytes <= 2 * 256 * 1024, `${month.all - month.bytes} bytes of events`);
});

test("each sample counts an app's requests since the previous sample, once", { skip }, () => {
    const ops = opsRoot({ apps: [app("shop")] });
    roots.push(ops);
    const bin = path.join(ops.root, "fakebin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const log = path.join(ops.root, "logs/nginx/access.log");
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const line = (status: number, uri: string, rt: number) => JSON.stringify({ time: new Date().toISOString(), status, request_time: rt, uri, msec: Date.now() / 1000 }) + "\n";
    const refresh = () => sh(path.join(ops.root, "bin/platform-status"), ["--collect"], { env: { ...ops.env, PATH: `${bin}:${process.env.PATH}` } });
    // A run counts what nginx has surely flushed: lines at least 2 s old.
    fs.writeFileSync(log, line(200, "/shop/", 0.01) + line(503, "/api/shop/orders?x=1", 0.5) + line(200, "/blog/", 0.02) + line(200, "/shopping", 0.02));
    sh("sleep", ["2.2"]);
    assert.equal(refresh().code, 0);
    fs.appendFileSync(log, line(200, "/api/shop/items", 0.03));
    sh("sleep", ["2.2"]);
    assert.equal(refresh().code, 0);
    const dir = path.join(ops.root, "state/history");
    const samples = fs.readdirSync(dir).filter((f) => f.startsWith("samples-")).flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l)));
    assert.deepEqual(samples.map((s) => [s.apps.shop.n, s.apps.shop.e]), [[2, 1], [1, 0]]);
    assert.equal(samples[0].apps.shop.p95, 0.5);
    assert.deepEqual(Object.keys(samples[0].apps), ["shop"]);
});
