// What the workflows promise: preview comments on pull requests, up on main one at a time behind a
// protected environment, destroy only when confirmed by hand, releases checked before Pulumi runs,
// secrets only through env, locked and cached installs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACTIONS, allSteps, load, read } from "./workflow-files";

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

test("pulumi/actions is the current major, v7", () => {
    const pulumiUses = allSteps().map(({ step }) => step.uses).filter((u) => typeof u === "string" && u.startsWith("pulumi/actions@"));
    assert.ok(pulumiUses.length > 0);
    for (const u of pulumiUses) assert.equal(u, "pulumi/actions@v7");
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

test("preview: every pull request, result commented, with pull-requests: write", () => {
    const wf = load(".github/workflows/preview.yml");
    assert.ok(wf.on.pull_request);
    assert.equal(wf.permissions["pull-requests"], "write");
    const step = wf.jobs.preview.steps.find(usesPulumi);
    assert.equal(step.with.command, "preview");
    assert.equal(step.with["comment-on-pr"], "true");
});

test("preview has the same secrets as up, from an environment not limited to main", () => {
    const secretsOf = (file: string, job: string) => {
        const step = load(file).jobs[job].steps.find(usesPulumi);
        return Object.entries(step.with as Record<string, string>).filter(([, v]) => /secrets\.|vars\./.test(String(v))).sort();
    };
    assert.deepEqual(secretsOf(".github/workflows/preview.yml", "preview"), secretsOf(".github/workflows/up.yml", "up"));
    assert.equal(load(".github/workflows/preview.yml").jobs.preview.environment, "preview");
});

test("up also runs weekly, so new core image digests (security patches) are applied through Pulumi", () => {
    const wf = load(".github/workflows/up.yml");
    assert.match(wf.on.schedule[0].cron, /^\d+ \d+ \* \* \d$/);
});

for (const [file, job] of [[".github/workflows/up.yml", "up"], [".github/workflows/release.yml", "up"], [".github/workflows/destroy.yml", "destroy"]]) {
    test(`${file}: ${job} runs in the shared concurrency group behind the protected environment`, () => {
        const wf = load(file);
        const group = wf.jobs[job].concurrency ?? wf.concurrency;
        assert.equal(group.group, "pulumi-prod");
        assert.equal(group["cancel-in-progress"], false, "an update in progress is never cancelled");
        assert.equal(wf.jobs[job].environment, "production");
    });
}

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
