// .github/scripts/stack-turn.sh, how Destroy (its own concurrency group) and the updates (Up,
// Release) take turns on the stack: run for real (bash, jq) with a `gh` double that answers the
// GitHub API's list of a workflow's runs, as the sequence of answers a test gives it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needs } from "../support/requirements";
import { tempDirs } from "../support/tmp";
import { ROOT } from "./workflow-files";

const skip = needs("jq");
const SCRIPT = path.join(ROOT, ".github/scripts/stack-turn.sh");
const REPO = "mhylle/platform";
const tmp = tempDirs();

type Status = "completed" | "queued" | "in_progress" | "waiting" | "pending" | "requested";
const runsOf = (...statuses: Status[]) => ({ total_count: statuses.length, workflow_runs: statuses.map((status, i) => ({ id: 100 + i, status, html_url: `https://github.com/${REPO}/actions/runs/${100 + i}` })) });

/**
 * A runner whose `gh api repos/REPO/actions/workflows/FILE/runs?per_page=100` answers, call after
 * call, the next of `answers[FILE]` (the last one again once they run out); null makes it fail.
 */
function runner(answers: Record<string, (object | null)[]>) {
    const dir = tmp(path.join(os.tmpdir(), "stack-turn-"));
    fs.mkdirSync(path.join(dir, "bin"));
    for (const [file, list] of Object.entries(answers)) {
        list.forEach((a, i) => fs.writeFileSync(path.join(dir, `${file}.${i}.json`), a === null ? "FAIL" : JSON.stringify(a)));
        fs.writeFileSync(path.join(dir, `${file}.count`), "0");
        fs.writeFileSync(path.join(dir, `${file}.last`), String(list.length - 1));
    }
    const gh = [
        "#!/bin/bash",
        `echo "$*" >> "${dir}/gh.log"`,
        `[[ "$1" == api && "$2" =~ ^repos/${REPO}/actions/workflows/([a-z]+\\.yml)/runs\\?per_page=100$ ]] || { echo "unexpected: gh $*" >&2; exit 2; }`,
        "wf=${BASH_REMATCH[1]}",
        `n=$(cat "${dir}/$wf.count"); last=$(cat "${dir}/$wf.last"); echo $((n + 1)) > "${dir}/$wf.count"`,
        "[ \"$n\" -gt \"$last\" ] && n=$last",
        `a="${dir}/$wf.$n.json"`,
        'if [ "$(cat "$a")" = FAIL ]; then echo "HTTP 502: Bad Gateway" >&2; exit 1; fi',
        'cat "$a"',
    ].join("\n");
    fs.writeFileSync(path.join(dir, "bin/gh"), gh + "\n", { mode: 0o755 });
    return dir;
}

function run(dir: string, mode: string) {
    const r = spawnSync("bash", [SCRIPT, mode], {
        env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, GITHUB_REPOSITORY: REPO, STACK_TURN_POLL_SECONDS: "0" },
        encoding: "utf8",
        timeout: 60_000,
    });
    const calls = fs.existsSync(path.join(dir, "gh.log")) ? fs.readFileSync(path.join(dir, "gh.log"), "utf8").trim().split("\n") : [];
    return { status: r.status, out: r.stdout + r.stderr, calls };
}

test("an update refuses while a Destroy is queued, waiting for approval, pending or running", { skip }, () => {
    for (const status of ["queued", "waiting", "pending", "requested", "in_progress"] as const) {
        const r = run(runner({ "destroy.yml": [runsOf("completed", status, "completed")] }), "refuse-if-destroying");
        assert.equal(r.status, 1, `${status}: ${r.out}`);
        assert.match(r.out, new RegExp(`::error::A Destroy is pending or running.*${status} https://github\\.com/${REPO}/actions/runs/101`), status);
    }
});

test("an update runs when every Destroy run is completed (or there never was one)", { skip }, () => {
    for (const answer of [runsOf("completed", "completed"), runsOf()]) {
        const r = run(runner({ "destroy.yml": [answer] }), "refuse-if-destroying");
        assert.equal(r.status, 0, r.out);
        assert.deepEqual(r.calls, [`api repos/${REPO}/actions/workflows/destroy.yml/runs?per_page=100`]);
    }
});

test("a failed look at the runs refuses the update (never read as 'no Destroy')", { skip }, () => {
    const r = run(runner({ "destroy.yml": [null] }), "refuse-if-destroying");
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /HTTP 502/);
    assert.doesNotMatch(r.out, /may run/);
});

test("Destroy waits while an Up or a Release is in progress and goes on once none is", { skip }, () => {
    const dir = runner({
        "up.yml": [runsOf("in_progress", "completed"), runsOf("completed", "completed")],
        // A queued or approval-waiting update is not waited for: it refuses when it starts.
        "release.yml": [runsOf("in_progress", "queued"), runsOf("in_progress", "waiting"), runsOf("completed", "waiting")],
    });
    const r = run(dir, "wait-for-updates");
    assert.equal(r.status, 0, r.out);
    assert.equal(r.calls.filter((c) => c.includes("/release.yml/")).length, 3, "it looked until the Release was done");
    assert.match(r.out, /Waiting for the update\(s\) in progress to end[\s\S]*in_progress https:\/\/github\.com\/mhylle\/platform\/actions\/runs\/100/);
    assert.match(r.out, /No Up or Release is in progress: the Destroy runs now/);
});

test("Destroy does not go on when it cannot look at the runs", { skip }, () => {
    const r = run(runner({ "up.yml": [null], "release.yml": [runsOf()] }), "wait-for-updates");
    assert.notEqual(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /the Destroy runs now/);
});
