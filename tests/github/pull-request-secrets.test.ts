// A pull request's code never meets a production secret without a person approving that run.
// preview.yml (on pull_request) renders offline with no secret and a read-only token; the one job
// with a write token runs nothing of the branch. Secrets live only in environments (a workflow a
// branch rewrites can name no secret outside one); the live preview's environment `preview` is
// gated by required reviewers and holds read-only keys: no deploy key, no write key, no firewall.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ACTIONS, ROOT, WORKFLOWS, load, read } from "./workflow-files";
import { deployKeyProblems, type SshAgentView } from "../../stacks/preflight";
import { validateConfig } from "../../config/validate";
import { prodConfig } from "../support/prod-stack";

const PLATFORM = WORKFLOWS.filter((f) => f.startsWith(".github/"));
const PRODUCTION_SECRETS = ["SSH_PRIVATE_KEY", "SCW_ACCESS_KEY", "SCW_SECRET_KEY", "PULUMI_ACCESS_TOKEN"];
const triggers = (file: string): string[] => {
    const on = load(file).on;
    return typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on);
};
const secretsIn = (value: unknown) => [...JSON.stringify(value ?? null).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
const jobs = (file: string) => Object.entries<any>(load(file).jobs);

test("a workflow on pull_request names no secret and no environment", () => {
    const onPr = PLATFORM.filter((f) => triggers(f).includes("pull_request"));
    assert.deepEqual(onPr, [".github/workflows/preview.yml"]);
    for (const file of onPr) {
        for (const [name, job] of jobs(file)) {
            assert.deepEqual(secretsIn(job), [], `${file} ${name}: a branch's code would read it`);
            assert.equal(job.environment, undefined, `${file} ${name}: an environment's secrets are not for a pull request`);
        }
    }
});

test("on pull_request, a job that runs the branch's code holds a read-only token; the job that writes runs none of it", () => {
    for (const [name, job] of jobs(".github/workflows/preview.yml")) {
        const steps: any[] = job.steps;
        const writes = Object.values(job.permissions ?? {}).includes("write");
        const runsBranch = steps.some((s) => (typeof s.uses === "string" && (s.uses.startsWith("actions/checkout@") || s.uses.startsWith("./"))) || /\.github\/|npm|npx|node /.test(s.run ?? ""));
        assert.ok(!(writes && runsBranch), `${name}: a write token beside the branch's code`);
    }
    const render = load(".github/workflows/preview.yml").jobs.render;
    assert.deepEqual(render.permissions, { contents: "read" });
    assert.ok(render.steps.some((s: any) => /render-diff\.sh/.test(s.run ?? "")), "the offline render runs");
});

test("every job that names a secret runs in an environment (a branch's rewritten workflow reaches no secret outside one)", () => {
    for (const file of PLATFORM) {
        for (const [name, job] of jobs(file)) {
            if (secretsIn(job).length) assert.ok(job.environment, `${file} ${name} names ${secretsIn(job).join(", ")} outside an environment`);
        }
    }
});

test("the live preview: by hand, behind the environment `preview`, with read-only keys and no deploy key", () => {
    const file = ".github/workflows/preview-live.yml";
    assert.deepEqual(triggers(file), ["workflow_dispatch"]);
    const [[, job]] = jobs(file);
    assert.equal(job.environment, "preview");
    assert.deepEqual(job.permissions, { contents: "read" });
    const used = secretsIn(job);
    assert.ok(used.length > 0);
    assert.deepEqual(used.filter((s) => PRODUCTION_SECRETS.includes(s)), [], "a production key in the preview");
    const step = job.steps.find((s: any) => s.uses === "./.github/actions/pulumi");
    assert.equal(step.with.command, "preview");
    assert.equal(step.with["ssh-private-key"], undefined);
    // Jobs of the production environment never take a preview's inputs, and the reverse.
    for (const f of PLATFORM) for (const [n, j] of jobs(f)) if (j.environment === "preview") assert.equal(f, file, `${f} ${n}`);
});

test("the shared action: a preview loads no key and opens no firewall", () => {
    const action = load(ACTIONS.find((f) => f.endsWith("pulumi/action.yml"))!);
    assert.equal(action.inputs["ssh-private-key"].required, false);
    const steps: any[] = action.runs.steps;
    const guarded = steps.filter((s) => /ssh-add|ssh-access\.sh/.test(s.run ?? ""));
    assert.equal(guarded.length, 3, "load the key, open, close");
    for (const s of guarded) assert.match(s.if ?? "", /(^|&& )inputs\.command != 'preview'$/, s.name);
});

test("a preview needs no deploy key in the agent (it dials no server); up still does", () => {
    const cfg = validateConfig(prodConfig());
    const keyless: SshAgentView = { socket: undefined, listKeys: () => ({ status: 2, stdout: "" }) };
    assert.deepEqual(deployKeyProblems(cfg, keyless, true), []);
    assert.equal(deployKeyProblems(cfg, keyless, false).length, 1);
});

test("the docs say where the secrets go and that a person approves the live preview", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/github-actions.md"), "utf8");
    assert.match(doc, /required reviewers/i);
    assert.match(doc, /never at repository or organization level/i);
    for (const s of ["SCW_READONLY_ACCESS_KEY", "SCW_READONLY_SECRET_KEY", "PULUMI_READONLY_ACCESS_TOKEN"]) assert.ok(doc.includes("`" + s + "`"), s);
    assert.doesNotMatch(read(".github/workflows/preview.yml"), /secrets\./);
});
