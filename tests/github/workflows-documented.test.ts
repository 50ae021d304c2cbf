// Every secret and variable a workflow reads is documented where a person setting up the
// repository looks: README.md or docs/github-actions.md, by name in backticks.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ACTIONS, ROOT, WORKFLOWS, read } from "./workflow-files";

// GitHub creates this one for every run; there is nothing to set up.
const PROVIDED = new Set(["GITHUB_TOKEN"]);

/** `secrets.X` and `vars.X` (also `secrets['X']`) in a file, by kind. */
export function referenced(text: string): { kind: "secrets" | "vars"; name: string }[] {
    const found = [...text.matchAll(/\b(secrets|vars)(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\])/g)];
    return found.map((m) => ({ kind: m[1] as "secrets" | "vars", name: m[2] ?? m[3] }));
}

const docs = ["README.md", "docs/github-actions.md"]
    .filter((f) => fs.existsSync(path.join(ROOT, f)))
    .map((f) => fs.readFileSync(path.join(ROOT, f), "utf8"))
    .join("\n");

test("the reference finder sees both spellings", () => {
    assert.deepEqual(referenced("${{ secrets.A_B }} ${{ vars['C'] }} ${{ github.token }}"), [
        { kind: "secrets", name: "A_B" },
        { kind: "vars", name: "C" },
    ]);
});

test("the workflows read secrets and variables (so the check below checks something)", () => {
    assert.ok(WORKFLOWS.flatMap((f) => referenced(read(f))).length >= 5);
});

for (const file of [...WORKFLOWS, ...ACTIONS]) {
    test(`${file}: every secret and variable it reads is documented`, () => {
        const missing = referenced(read(file))
            .filter((r) => !PROVIDED.has(r.name))
            .filter((r) => !docs.includes("`" + r.name + "`"))
            .map((r) => `${r.kind}.${r.name}`);
        assert.deepEqual([...new Set(missing)], [], "document each in docs/github-actions.md (or README.md) as `NAME`");
    });
}
