// Moving tags and write tokens: every action is pinned by a full commit SHA (a tag can be moved to
// any code by whoever controls the action's repository), the version stays beside it as a comment;
// no checkout leaves the job's token in .git/config, where every later step's programs (npm ci's
// install scripts) can read it; every job states its own permissions, and only the writes listed
// here exist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACTIONS, WORKFLOWS, allSteps, load, read } from "./workflow-files";

const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$/;

/** Every `uses:` line of workflows and composite actions, with the comment that follows it. */
function usesLines(): { file: string; line: number; ref: string; comment: string }[] {
    return [...WORKFLOWS, ...ACTIONS].flatMap((file) =>
        read(file)
            .split("\n")
            .map((text, i) => ({ file, line: i + 1, m: /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(text) }))
            .filter((x) => x.m)
            .map(({ file, line, m }) => ({ file, line, ref: m![1], comment: m![2] ?? "" })),
    );
}

test("every action is pinned by a 40-hex commit SHA, its version in a comment beside it", () => {
    const lines = usesLines();
    assert.ok(lines.length >= 10, "the uses: lines are found");
    assert.equal(lines.length, allSteps().filter(({ step }) => typeof step.uses === "string").length, "every uses: step is on a line read here");
    const bad = lines.filter((u) => !u.ref.startsWith("./") && !(PINNED.test(u.ref) && /^v\d+\.\d+\.\d+$/.test(u.comment)));
    assert.deepEqual(bad.map((u) => `${u.file}:${u.line}: ${u.ref} ${u.comment}`), [], "pin as owner/repo@<sha> # vX.Y.Z");
    // One action, one pin: two SHAs for one action would mean one of them was not reviewed.
    const byAction = new Map<string, Set<string>>();
    for (const u of lines.filter((l) => !l.ref.startsWith("./"))) {
        const [action, sha] = u.ref.split("@");
        byAction.set(action, (byAction.get(action) ?? new Set()).add(`${sha} ${u.comment}`));
    }
    for (const [action, pins] of byAction) assert.equal(pins.size, 1, `${action}: ${[...pins].join(", ")}`);
});

test("the pin check refuses tags, branches and short SHAs", () => {
    for (const ref of ["actions/checkout@v4", "actions/checkout@main", "actions/checkout@11d5960", "actions/checkout@v4.4.0"]) assert.ok(!PINNED.test(ref), ref);
    assert.ok(PINNED.test("actions/checkout@11d5960a326750d5838078e36cf38b85af677262"));
});

test("no checkout keeps the job's token for later steps (persist-credentials: false)", () => {
    const checkouts = allSteps().filter(({ step }) => typeof step.uses === "string" && step.uses.startsWith("actions/checkout@"));
    assert.ok(checkouts.length >= 6);
    const persisting = checkouts.filter(({ step }) => step.with?.["persist-credentials"] !== false);
    assert.deepEqual(persisting.map(({ file, where }) => `${file} ${where}`), []);
});

// Every write a job may hold, and why. A new one is a reviewed change of this list.
const ALLOWED_WRITES: Record<string, string[]> = {
    ".github/workflows/preview.yml comment": ["pull-requests"], // posts the render's text; runs nothing of the branch
    ".github/workflows/release.yml record": ["contents"], // pushes the release's pin to main
    ".github/workflows/release.yml up": ["contents"], // reverts that pin when the release fails
    "templates/app/.github/workflows/release.yml image": ["packages", "id-token"], // pushes to GHCR; the OIDC proof of the sender
};

test("every workflow grants nothing at the top and every job states its permissions; writes only as listed", () => {
    const writes: Record<string, string[]> = {};
    for (const file of WORKFLOWS) {
        const wf = load(file);
        assert.deepEqual(wf.permissions, {}, `${file}: permissions: {} at the top, so a job without its own gets nothing`);
        for (const [name, job] of Object.entries<any>(wf.jobs)) {
            assert.equal(typeof job.permissions, "object", `${file} ${name}: states its permissions`);
            const granted = Object.entries<string>(job.permissions).filter(([, v]) => v === "write").map(([k]) => k);
            if (granted.length) writes[`${file} ${name}`] = granted;
        }
    }
    assert.deepEqual(writes, ALLOWED_WRITES);
});

test("no trigger runs a fork's or a branch's code with the base repository's secrets and token", () => {
    for (const file of WORKFLOWS) {
        const text = read(file);
        const on = load(file).on;
        const triggers = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on);
        // pull_request_target and workflow_run run with the base's secrets and a write token on
        // behalf of code the base never reviewed.
        for (const t of ["pull_request_target", "workflow_run"]) assert.ok(!triggers.includes(t), `${file}: on ${t}`);
        assert.doesNotMatch(text, /\b(write-all|read-all)\b/, `${file}: grant scopes one by one`);
    }
});
