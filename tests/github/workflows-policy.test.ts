// What the workflows promise: preview comments on pull requests, up on main one at a time behind a
// protected environment, destroy only when confirmed by hand, releases checked before Pulumi runs,
// secrets only through env, locked and cached installs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { ACTIONS, ROOT, WORKFLOWS, allSteps, load, read } from "./workflow-files";
import { readStackFile } from "../../config/stack-file";
import { configSchema } from "../../config/schema";
import { destroyWaits, totalMinutes, upWaits } from "../../tools/update-budget";

const usesPulumi = (step: { uses?: string }) => typeof step.uses === "string" && (step.uses.startsWith("pulumi/actions@") || step.uses === "./.github/actions/pulumi");
const pulumiAction = load(ACTIONS.find((f) => f.endsWith("pulumi/action.yml"))!);

test("no run: script contains an expression: secrets and payloads reach the shell only through env", () => {
    const bad = allSteps().filter(({ step }) => typeof step.run === "string" && step.run.includes("${{"));
    assert.deepEqual(bad.map((s) => `${s.file} ${s.where}`), []);
});

test("no secret is ever echoed to the log (printing into a pipe is how a secret reaches stdin)", () => {
    for (const { file, where, step } of allSteps()) {
        const run = typeof step.run === "string" ? step.run : "";
        assert.doesNotMatch(run, /(echo|printf)[^\n|]*\$\{?(SSH_PRIVATE_KEY|PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE|AWS_SECRET_ACCESS_KEY|SCW_SECRET_KEY|GH_TOKEN)\b[^\n|]*$/m, `${file} ${where}`);
    }
});

test("dependencies install from the lockfile (npm ci) with setup-node's npm cache", () => {
    const steps = allSteps();
    assert.ok(steps.some(({ step }) => /^\s*npm ci\b/m.test(String(step.run ?? ""))), "some step runs npm ci");
    assert.ok(steps.some(({ step }) => typeof step.uses === "string" && step.uses.startsWith("actions/setup-node@")), "some step sets up node (so its cache check below runs)");
    for (const { file, where, step } of steps) {
        if (typeof step.run === "string") assert.doesNotMatch(step.run, /npm (install|i)\b/, `${file} ${where}: use npm ci`);
        if (typeof step.uses === "string" && step.uses.startsWith("actions/setup-node@")) assert.equal(step.with?.cache, "npm", `${file} ${where}`);
    }
});

test("pulumi/actions is the current major, v7 (pinned by commit: tests/github/supply-chain.test.ts)", () => {
    const lines = [...WORKFLOWS, ...ACTIONS].flatMap((f) => read(f).split("\n")).filter((l) => /uses: pulumi\/actions@/.test(l));
    assert.ok(lines.length > 0);
    for (const l of lines) assert.match(l, /uses: pulumi\/actions@[0-9a-f]{40} # v7\.\d+\.\d+$/);
});

test("the deploy key goes into ssh-agent from stdin and nowhere else (no key text in stack config or state)", () => {
    const runs = pulumiAction.runs.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
    assert.match(runs, /ssh-add -q - <<< "\$SSH_PRIVATE_KEY"/);
    assert.doesNotMatch(runs, /sshPrivateKey/);
    assert.doesNotMatch(runs, /> *[^ ]*(id_|key)/, "the key is never written to a file");
});

test("the stack is selected, and created on first use, before any Pulumi command (pulumi config set no longer runs)", () => {
    const steps = pulumiAction.runs.steps as { run?: string; uses?: string }[];
    const select = steps.findIndex((s) => /pulumi stack select --create "\$STACK"/.test(s.run ?? ""));
    assert.ok(select >= 0 && select < steps.findIndex((s) => (s.uses ?? "").startsWith("pulumi/actions@") && s !== steps.find((x) => (x.uses ?? "").startsWith("pulumi/actions@"))));
    assert.doesNotMatch(steps.map((s) => s.run ?? "").join("\n"), /pulumi config set/);
});

test("npm ci runs before any secret is in a step's environment", () => {
    const steps = pulumiAction.runs.steps;
    const ci = steps.findIndex((s: { run?: string }) => s.run === "npm ci");
    assert.ok(ci >= 0);
    for (const s of steps.slice(0, ci + 1)) assert.equal(s.env, undefined);
});

// What a pull request may reach (no secret, no write token where its code runs) is checked in
// tests/github/pull-request-secrets.test.ts.

test("up also runs weekly, so new core image digests (security patches) are applied through Pulumi", () => {
    const wf = load(".github/workflows/up.yml");
    assert.match(wf.on.schedule[0].cron, /^\d+ \d+ \* \* \d$/);
});

for (const [file, job] of [[".github/workflows/up.yml", "up"], [".github/workflows/release.yml", "up"]]) {
    test(`${file}: ${job} runs in the shared concurrency group behind the protected environment`, () => {
        const wf = load(file);
        const group = wf.jobs[job].concurrency ?? wf.concurrency;
        assert.equal(group.group, "pulumi-prod");
        assert.equal(group["cancel-in-progress"], false, "an update in progress is never cancelled");
        assert.equal(wf.jobs[job].environment, "production");
    });
}

/** Every concurrency group a workflow declares (workflow level and job level), as written. */
function concurrencyGroups(file: string): string[] {
    const wf = load(file);
    const groupOf = (c: unknown) => (typeof c === "string" ? c : (c as { group?: string } | undefined)?.group);
    return [groupOf(wf.concurrency), ...Object.values<any>(wf.jobs ?? {}).map((j) => groupOf(j.concurrency))].filter((g): g is string => typeof g === "string");
}

/** Could a group written with expressions (`preview-${{ ... }}`) evaluate to `name`? Names compare case-insensitively (GitHub's docs). */
function mayEvaluateTo(group: string, name: string): boolean {
    const pattern = group
        .split(/\$\{\{[\s\S]*?\}\}/)
        .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[\\s\\S]*");
    return new RegExp(`^${pattern}$`, "i").test(name);
}

test("the group matcher sees expressions and case", () => {
    assert.ok(mayEvaluateTo("pulumi-prod", "Pulumi-Prod"));
    assert.ok(mayEvaluateTo("pulumi-${{ github.ref_name }}", "pulumi-prod-destroy"));
    assert.ok(!mayEvaluateTo("preview-${{ github.event.pull_request.number }}", "pulumi-prod-destroy"));
});

test("destroy: a pending Destroy can never be cancelled by another workflow's run (its group is its own, a plain name)", () => {
    // GitHub keeps at most one pending run per concurrency group and cancels the older pending one
    // when another is queued (docs.github.com, "Control the concurrency of workflows and jobs").
    const wf = load(".github/workflows/destroy.yml");
    const group = wf.concurrency.group as string;
    assert.doesNotMatch(group, /\$\{\{/, "an expression could make it any group");
    assert.equal(wf.concurrency["cancel-in-progress"], false);
    assert.deepEqual(concurrencyGroups(".github/workflows/destroy.yml"), [group], "no job of Destroy is in another group");
    const others = WORKFLOWS.filter((f) => f !== ".github/workflows/destroy.yml");
    assert.ok(others.some((f) => load(f).on?.push), "a push-triggered workflow is checked");
    for (const file of others) for (const g of concurrencyGroups(file)) assert.ok(!mayEvaluateTo(g, group), `${file}: group ${g} is Destroy's group ${group}`);
});

const usesCommand = (command: string) => (step: { uses?: string; with?: { command?: string } }) => usesPulumi(step) && step.with?.command === command;
const turnStep = (mode: string) => (step: { run?: string }) => new RegExp(`\\.github/scripts/stack-turn\\.sh ${mode}$`).test(step.run ?? "");

test("up and release refuse while a Destroy is pending or running, before Pulumi runs", () => {
    for (const [file, job] of [[".github/workflows/up.yml", "up"], [".github/workflows/release.yml", "up"]]) {
        const wf = load(file);
        const steps = wf.jobs[job].steps;
        const gate = steps.findIndex(turnStep("refuse-if-destroying"));
        assert.ok(gate >= 0 && gate < steps.findIndex(usesCommand("up")), `${file}: the gate runs before pulumi up`);
        assert.equal(steps[gate].env.GH_TOKEN, "${{ github.token }}");
        assert.equal((wf.jobs[job].permissions ?? wf.permissions).actions, "read", `${file}: the gate lists runs (actions: read)`);
    }
});

test("destroy waits, before Pulumi, until no update is in progress, for at most as long as an update run can last", () => {
    const wf = load(".github/workflows/destroy.yml");
    const steps = wf.jobs.destroy.steps;
    const wait = steps.findIndex(turnStep("wait-for-updates"));
    assert.ok(wait >= 0 && wait < steps.findIndex(usesCommand("destroy")));
    assert.equal(steps[wait].env.GH_TOKEN, "${{ github.token }}");
    assert.equal(wf.jobs.destroy.permissions.actions, "read");
    // The longest run it may wait for: every job of an Up or Release run, one after the other.
    const runMinutes = (file: string) => Object.values<any>(load(file).jobs).reduce((sum, j) => sum + j["timeout-minutes"], 0);
    const longest = Math.max(runMinutes(".github/workflows/up.yml"), runMinutes(".github/workflows/release.yml"));
    assert.ok(steps[wait]["timeout-minutes"] >= longest, `the wait (${steps[wait]["timeout-minutes"]} min) outlasts an update run (${longest} min)`);
});

test("every job that runs pulumi up or destroy may run as long as the update can wait (a killed job leaves the stack locked)", () => {
    const raw = readStackFile(path.join(ROOT, "Pulumi.prod.yaml")).raw as { apps?: unknown };
    const up = totalMinutes(upWaits({ apps: configSchema.shape.apps.parse(raw.apps) }));
    const destroy = totalMinutes(destroyWaits());
    assert.ok(up >= 100, `the up budget counts the server, its readiness and the managed database (${up} min)`);
    let checked = 0;
    for (const file of WORKFLOWS) {
        for (const [name, job] of Object.entries<any>(load(file).jobs ?? {})) {
            const steps = job.steps ?? [];
            const runsUp = steps.some(usesCommand("up"));
            const runsDestroy = steps.some(usesCommand("destroy"));
            if (!runsUp && !runsDestroy) continue;
            checked++;
            // Waits of the job's own steps before Pulumi (destroy's turn) come on top.
            const before = steps.reduce((sum: number, s: { "timeout-minutes"?: number }) => sum + (s["timeout-minutes"] ?? 0), 0);
            const need = before + (runsDestroy ? destroy : up);
            assert.ok(job["timeout-minutes"] >= need, `${file} ${name}: timeout-minutes ${job["timeout-minutes"]} < ${need}`);
            assert.ok(job["timeout-minutes"] <= 360, `${file} ${name}: GitHub-hosted jobs stop at 360 minutes`);
        }
    }
    assert.equal(checked, 3, "up, release's up and destroy");
});

test("up: on push to main, applying the head of main", () => {
    const wf = load(".github/workflows/up.yml");
    assert.deepEqual(wf.on.push.branches, ["main"]);
    assert.equal(wf.jobs.up.steps[0].with.ref, "main");
    assert.equal(wf.jobs.up.steps.find(usesPulumi).with.command, "up");
});

test("destroy: by manual dispatch only, refused before checkout unless confirmed", () => {
    const wf = load(".github/workflows/destroy.yml");
    assert.deepEqual(Object.keys(wf.on), ["workflow_dispatch"]);
    assert.equal(wf.on.workflow_dispatch.inputs.confirm.required, true);
    const steps = wf.jobs.destroy.steps;
    assert.match(steps[0].run, /"\$CONFIRM" != "destroy prod"/);
    assert.ok(steps.findIndex(usesPulumi) > 0);
    assert.equal(steps.find(usesPulumi).with.command, "destroy");
});

test("destroy keeping protected resources passes --exclude-protected; a full teardown needs a second confirmation and unprotects first", () => {
    const wf = load(".github/workflows/destroy.yml");
    const step = wf.jobs.destroy.steps.find(usesPulumi);
    assert.equal(step.with["exclude-protected"], "${{ inputs.keep-protected }}");
    assert.equal(step.with.unprotect, "${{ !inputs.keep-protected }}");
    assert.match(wf.jobs.destroy.steps[0].run, /"\$KEEP_PROTECTED" != "true" \] && \[ "\$CONFIRM_TEARDOWN" != "delete the server and its data" \]/);
    const steps = pulumiAction.runs.steps as { run?: string; uses?: string; if?: string; with?: Record<string, string> }[];
    const unprotect = steps.findIndex((s) => /pulumi state unprotect --all --yes/.test(s.run ?? ""));
    const command = steps.findIndex((s) => (s.uses ?? "").startsWith("pulumi/actions@") && s.with?.command !== undefined);
    assert.ok(unprotect >= 0 && unprotect < command, "unprotect runs before the destroy");
    assert.equal(steps[unprotect].if, "inputs.command == 'destroy' && inputs.unprotect == 'true'");
    assert.equal(steps[command].with!["exclude-protected"], "${{ inputs.command == 'destroy' && inputs.exclude-protected || 'false' }}");
});

test("release: repository_dispatch; the request is checked before anything is recorded or Pulumi runs", () => {
    const wf = load(".github/workflows/release.yml");
    assert.deepEqual(wf.on.repository_dispatch.types, ["release"]);
    const record = wf.jobs.record;
    assert.equal(record.environment, undefined, "the check runs without the production secrets");
    assert.match(record.env.RELEASE_REQUEST, /toJSON\(github\.event\.client_payload\)/);
    const check = record.steps.findIndex((s: { run?: string }) => /tools\/release-request\.ts --stack prod$/.test(s.run ?? ""));
    const pin = record.steps.findIndex((s: { run?: string }) => /record-release\.sh/.test(s.run ?? ""));
    assert.ok(check >= 0 && pin > check, "check, then record");
    assert.ok(record.steps.slice(0, check).every((s: { uses?: string; run?: string }) => !usesPulumi(s) && !/pulumi/.test(s.run ?? "")));
    assert.deepEqual(wf.jobs.up.needs, "record");
    assert.match(read(".github/workflows/release.yml"), /if: failure\(\)\n\s+env:[\s\S]*revert-release\.sh/);
});
