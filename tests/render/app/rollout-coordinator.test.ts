// The coordinator of a release over several servers (render/app/rollout.sh), run for real against
// stand-in servers: each a folder whose `run` entry point records the phases it is asked for and
// answers as told, keeping a pending release between prepare and finish/revert as the real one does.
// The real phases on real Docker are in tests/e2e/fleet.test.ts; here, the order and the outcomes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { releaseDir, rolloutScript } from "../../../render/app/rollout";

/** A stand-in server: `fail` names the phase that fails there. */
function server(dir: string, fail?: "prepare" | "revert" | "finish") {
    const bin = path.join(dir, releaseDir("app1", "backend"));
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
        path.join(bin, "run"),
        `#!/usr/bin/env bash
set -euo pipefail
echo "$1" >>"${dir}/calls"
echo "${path.basename(dir)} $1" >>"${path.dirname(dir)}/order"
pending="${dir}/pending"
case "$1" in
  prepare)
    ${fail === "prepare" ? `echo "release of app1 backend (ghcr.io/acme/app1-backend:2) failed: not healthy within 30s; the previous version keeps serving" >&2; exit 1` : `echo new >"$pending"; echo '{"changed":true}'`} ;;
  revert)
    if [ -e "$pending" ]; then ${fail === "revert" ? "echo cannot >&2; exit 1" : 'rm -f "$pending"; echo reverted >>"' + dir + '/state"'}; fi ;;
  finish)
    ${fail === "finish" ? "echo gone >&2; exit 1" : 'rm -f "$pending"; echo finished >>"' + dir + '/state"'} ;;
esac
`,
        { mode: 0o755 },
    );
}

function rollout(fails: (undefined | "prepare" | "revert" | "finish")[], before?: (dirs: string[]) => void) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-"));
    const dirs = fails.map((f, i) => {
        const d = path.join(work, `s${i + 1}`);
        server(d, f);
        return d;
    });
    before?.(dirs);
    const text = rolloutScript("app1", "backend", "ghcr.io/acme/app1-backend:2", dirs.map((d, i) => ({ label: `server ${i + 1}`, runner: ["env"], root: d, identity: "x" })));
    const r = spawnSync("bash", ["-c", text], { encoding: "utf8" });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n") : []);
    const out = { code: r.status, stderr: r.stderr, json: JSON.parse(r.stdout.trim().split("\n").pop() || "{}"), calls: dirs.map((d) => read(path.join(d, "calls"))), order: read(path.join(work, "order")), pending: dirs.map((d) => fs.existsSync(path.join(d, "pending"))) };
    fs.rmSync(work, { recursive: true, force: true });
    return out;
}

test("every server prepares in order, then every server finishes: nothing drains before all have switched", () => {
    const r = rollout([undefined, undefined, undefined]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls, [["revert", "prepare", "finish"], ["revert", "prepare", "finish"], ["revert", "prepare", "finish"]]);
    const lastPrepare = r.order.lastIndexOf("s3 prepare");
    assert.ok(lastPrepare >= 0 && r.order.findIndex((l) => l.endsWith(" finish")) > lastPrepare, r.order.join("\n"));
    assert.equal(r.json.ok, true);
    assert.equal(r.json.servers.length, 3);
});

test("a failure on server 2 switches server 1 back, leaves server 3 alone, and names server 2 and why", () => {
    const r = rollout([undefined, "prepare", undefined]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.calls, [["revert", "prepare", "revert"], ["revert", "prepare"], []]);
    assert.deepEqual(r.pending, [false, false, false]);
    assert.match(r.stderr, /release of app1 backend \(ghcr\.io\/acme\/app1-backend:2\) failed on server 2: not healthy within 30s; the previous version keeps serving; 1 server\(s\) switched back: the whole fleet serves the previous version/);
    assert.deepEqual(r.json, { app: "app1", service: "backend", ok: false, failedOn: "server 2", switchedBack: 1 });
});

test("a failure on the last server switches every earlier one back, last first", () => {
    const r = rollout([undefined, undefined, "prepare"]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.calls.map((c) => c.join(" ")), ["revert prepare revert", "revert prepare revert", "revert prepare"]);
    assert.deepEqual(r.order.slice(-2), ["s2 revert", "s1 revert"], "last switched, first back");
    assert.equal(r.json.switchedBack, 2);
});

test("after a coordinator died halfway, the next run first switches each server back, then releases again", () => {
    // Server 1 was switched and kept its old container when the last run stopped.
    const r = rollout([undefined, undefined], (dirs) => fs.writeFileSync(path.join(dirs[0], "pending"), "new"));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls, [["revert", "prepare", "finish"], ["revert", "prepare", "finish"]]);
});

test("a server that cannot be switched back is named, and the run fails asking for another up", () => {
    const r = rollout(["revert", "prepare"], (dirs) => fs.writeFileSync(path.join(dirs[0], "pending"), "old"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot resolve an interrupted release there: cannot/);
});

test("a server whose old container cannot be drained still serves the new version; the run fails so the next up finishes it", () => {
    const r = rollout([undefined, "finish"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /serves on every server, but the previous container could not be removed on: server 2 \(gone \); run pulumi up again/);
    assert.deepEqual(r.pending, [false, true]);
});
