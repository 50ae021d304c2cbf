// The alert rules of the rendered status program, driven run by run with a clock of the test's
// choosing: a status that flaps never alerts; the first run announces nothing from before it; an
// alert no channel could take for 24 hours is given up, on the page; the heartbeat comes once a
// day from its hour on, and only while nothing is red.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../../support/requirements";
import { opsRoot, sh } from "../../support/ops";
import { withProgram } from "../../support/status";
import { alertSecretsFile, installAlertSecretsScript } from "../../../render/monitoring/alert-secrets";

const skip = needs("python3");
const NOON = Math.floor(Date.UTC(2026, 10, 30, 12) / 1000);
const roots: { cleanup(): void }[] = [];
after(() => roots.forEach((r) => r.cleanup()));

/** A root whose webhook points at a port nothing listens on: every delivery fails at once. */
function root(alerts: Record<string, unknown> = {}) {
    const ops = opsRoot({ monitoring: { alerts: { webhook: { enabled: true }, ...alerts } } });
    roots.push(ops);
    const r = sh("bash", ["-c", installAlertSecretsScript(ops.root)], { input: alertSecretsFile({ webhookUrl: "https://127.0.0.1:9/hook" }) });
    assert.equal(r.code, 0, r.stderr);
    return ops.root;
}

/** Runs process() once per [status, time] and returns the titles of new alerts per run and the final state. */
function runs(dir: string, seq: [string, number][], events: unknown[] = []) {
    return withProgram(
        dir,
        `runs = json.loads(sys.argv[2])
events = json.loads(sys.argv[3])
titles = []
for status, now in runs:
    before = len(ps.load_state(now)["recent"]) if ps.os.path.exists(ps.alerts_file()) else 0
    report = {"status": status, "checks": [{"group": "health", "name": "app1 backend", "status": "fail" if status == "red" else "ok", "summary": "x"}], "jobs": []}
    state = ps.process(report, {"backupRun": None}, events, now)
    titles.append([r["title"] for r in state["recent"][before:]])
print(json.dumps({"titles": titles, "state": state}))`.replace("sys.argv[2]", JSON.stringify(JSON.stringify(seq))).replace("sys.argv[3]", JSON.stringify(JSON.stringify(events))),
    );
}

const at = (i: number) => NOON + 300 * i;
let flapping: any, steady: any, late: any, beat: any, baseline: any;
before(() => {
    if (skip) return;
    flapping = runs(root(), ["red", "green", "red", "green", "red", "green", "red", "green"].map((s, i) => [s, at(i)]));
    steady = runs(root(), ["red", "green", "red", "red", "red", "green", "red", "green", "green"].map((s, i) => [s, at(i)]));
    late = runs(root(), [["red", at(0)], ["red", at(1)], ["red", at(2) + 25 * 3600]]);
    beat = runs(root({ heartbeat: true, heartbeatHourUtc: 13 }), [["green", NOON], ["green", NOON + 3600], ["green", NOON + 7200], ["red", NOON + 86400 + 3600], ["green", NOON + 2 * 86400 + 3600]]);
    const release = (t: number) => ({ t, app: "app1", service: "backend", outcome: "failed", image: "x", digest: "sha256:1", reason: "r" });
    baseline = runs(root(), [["green", NOON], ["green", NOON + 300]], [release(NOON - 86400), release(NOON + 10)]);
});

test("a status that flips every run never alerts (red needs two red runs in a row)", { skip }, () => {
    assert.deepEqual(flapping.titles.flat(), []);
});

test("two red runs in a row give one red alert; two runs that are not red give one all-clear", { skip }, () => {
    assert.deepEqual(steady.titles.map((t: string[]) => t.map((x) => x.replace(/^.*: /, ""))), [[], [], [], ["platform RED"], [], [], [], [], ["platform back to GREEN"]]);
});

test("an alert no channel took for 24 hours is given up, and the page's state says so", { skip }, () => {
    const red = late.state.recent.find((r: any) => r.title.endsWith("platform RED"));
    assert.deepEqual(red.gaveUp, ["webhook"]);
    assert.deepEqual(red.pending, []);
    assert.deepEqual(late.state.outbox, []);
    assert.ok(late.state.failures.some((f: any) => f.error === "not delivered within 24 h; given up"));
    assert.ok(late.state.failures.some((f: any) => /Connection refused/.test(f.error)), JSON.stringify(late.state.failures));
});

test("the heartbeat: once a day from heartbeatHourUtc on, never while red", { skip }, () => {
    const names = beat.titles.map((t: string[]) => t.map((x) => x.replace(/^.*: /, "")));
    assert.deepEqual(names, [[], ["all green"], [], [], ["all green"]]);
});

test("the first run announces nothing from before it; a release failing after it is announced", { skip }, () => {
    assert.deepEqual(baseline.titles.map((t: string[]) => t.map((x) => x.replace(/^[^:]*: /, ""))), [["release of app1 backend failed"], []]);
});
