// preview.yml's offline render of a pull request (.github/scripts/render-diff.sh), run for real on
// two copies of this repository (main and a branch): the difference names the changed resource,
// lands on the summary page, and a branch that does not render fails with its problem lines.
// `npm ci` is stood in for (the copies share this checkout's node_modules); `npm run render` is real.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { ROOT } from "./workflow-files";
import { prodStackText } from "../support/prod-stack";
import { tempDirs } from "../support/tmp";

const tmp = tempDirs();
const npm = execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim();

/** A copy of this commit's tracked files with the user's stack file, edited by `edit`. */
function tree(dir: string, edit: (stack: string) => string = (s) => s) {
    fs.mkdirSync(dir, { recursive: true });
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const f of files) {
        if (!fs.existsSync(path.join(ROOT, f))) continue;
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), edit(prodStackText()));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

function renderDiff(edit: (stack: string) => string) {
    const dir = tmp(path.join(os.tmpdir(), "render-diff-"));
    tree(path.join(dir, "base"));
    tree(path.join(dir, "head"), edit);
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin/npm"), `#!/bin/bash\n[ "$1" = ci ] && exit 0\nexec "${npm}" "$@"\n`, { mode: 0o755 });
    const summary = path.join(dir, "summary.md");
    const r = spawnSync("bash", [path.join(ROOT, ".github/scripts/render-diff.sh"), "base", "head", "rendered"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, GITHUB_STEP_SUMMARY: summary },
    });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
    return { status: r.status, err: r.stderr, comment: read("rendered/comment.md"), diff: read("rendered/render.diff"), summary: read("summary.md") };
}

test("a branch that changes an image: the difference shows the resource and the script that change", () => {
    const r = renderDiff((s) => s.replace("image: ghcr.io/mhylle/app2-backend:1.0.0", "image: ghcr.io/mhylle/app2-backend:1.1.0"));
    assert.equal(r.status, 0, r.err);
    assert.match(r.diff, /^-.*ghcr\.io\/mhylle\/app2-backend:1\.0\.0/m);
    assert.match(r.diff, /^\+.*ghcr\.io\/mhylle\/app2-backend:1\.1\.0/m);
    assert.match(r.comment, /^\d+ rendered files differ/m);
    assert.match(r.comment, /```diff\n[\s\S]*app2-backend:1\.1\.0[\s\S]*```/);
    assert.equal(r.summary, r.comment, "the summary page shows it too");
});

test("a branch that does not render fails, and says why", () => {
    const r = renderDiff((s) => s.replace("repository: mhylle/app1", "repository: not-a-repository"));
    assert.equal(r.status, 1);
    assert.match(r.comment, /The branch does not render/);
    assert.match(r.comment, /apps\[0\]\.repository: must be a GitHub repository as owner\/name/);
});
