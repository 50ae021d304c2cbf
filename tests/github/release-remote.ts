// A git remote standing in for GitHub (a bare repository in a temporary folder) holding this
// repository's release tooling, and a fresh clone of it as a runner has: for the tests of
// record-release.sh and revert-release.sh.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "./workflow-files";
import { prodStackText } from "../support/prod-stack";

export function sh(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", ...env } });
    return { status: r.status, out: r.stdout, err: r.stderr };
}
export const git = (cwd: string, ...args: string[]) => {
    const r = sh(cwd, "git", args);
    assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.err}`);
    return r.out.trim();
};

/** A remote holding this repository's release tooling, and a fresh clone of it, as a runner has. */
export function setup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-record-"));
    const origin = path.join(dir, "origin.git");
    const seed = path.join(dir, "seed");
    git(dir, "init", "-q", "--bare", "-b", "main", origin);
    for (const p of ["package.json", "tsconfig.json", "config", "stacks", "tools/release-request.ts", "tools/release-proof.ts", ".github/scripts"]) {
        fs.cpSync(path.join(ROOT, p), path.join(seed, p), { recursive: true });
    }
    // The user's own stack file: the shipped one with their key and admin address set.
    fs.writeFileSync(path.join(seed, "Pulumi.prod.yaml"), prodStackText());
    fs.writeFileSync(path.join(seed, ".gitignore"), "node_modules\n");
    git(dir, "init", "-q", "-b", "main", seed);
    git(seed, "config", "user.email", "dev@example.test");
    git(seed, "config", "user.name", "dev");
    git(seed, "add", ".");
    git(seed, "commit", "-q", "-m", "seed");
    git(seed, "remote", "add", "origin", origin);
    git(seed, "push", "-q", "origin", "main");
    const runner = path.join(dir, "runner");
    git(dir, "clone", "-q", origin, runner);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(runner, "node_modules"));
    const show = (file = "Pulumi.prod.yaml") => git(origin, "show", `main:${file}`);
    return { dir, origin, seed, runner, show };
}

