// Recording a release on main and taking it back, against a real git remote (a bare repository
// in a temporary folder standing in for GitHub): one commit changing one line, from the newest
// main; nothing pushed for a bad request; a revert only while main still pins that image.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "./workflow-files";
import { prodStackText } from "../support/prod-stack";
import { makeIssuer } from "../support/github-oidc";
import { releaseAudience } from "../../tools/release-proof";

const DIGEST = `sha256:${"5e".repeat(32)}`;
const IMAGE = `ghcr.io/mhylle/app2-backend:abc123@${DIGEST}`;
const issuer = makeIssuer();
/** app2's request as its workflow sends it, with its repository's OIDC token for this release. */
const requestFor = (digest: string) =>
    JSON.stringify({ app: "app2", service: "backend", digest, image: "ghcr.io/mhylle/app2-backend:abc123", source: "mhylle/app2@abc123", proof: issuer.token({ repository: "mhylle/app2", aud: releaseAudience("mhylle/platform", "app2", "backend", digest) }) });
const REQUEST = requestFor(DIGEST);

function sh(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", ...env } });
    return { status: r.status, out: r.stdout, err: r.stderr };
}
const git = (cwd: string, ...args: string[]) => {
    const r = sh(cwd, "git", args);
    assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.err}`);
    return r.out.trim();
};

/** A remote holding this repository's release tooling, and a fresh clone of it, as a runner has. */
function setup() {
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

function record(runner: string, request: string) {
    const output = path.join(runner, "..", "github-output");
    fs.writeFileSync(output, "");
    const r = sh(runner, "bash", [".github/scripts/record-release.sh", "prod"], { RELEASE_REQUEST: request, GITHUB_OUTPUT: output, RELEASE_OIDC_JWKS: issuer.jwksFile, GITHUB_REPOSITORY: "mhylle/platform" });
    const outputs = Object.fromEntries(fs.readFileSync(output, "utf8").split("\n").filter(Boolean).map((l) => [l.split("=")[0], l.slice(l.indexOf("=") + 1)]));
    return { ...r, outputs };
}

test("a release becomes one commit on main changing one line, made from the newest main", () => {
    const { seed, runner, origin, show } = setup();
    // main moves after the runner cloned it: the record starts from the new main anyway.
    fs.appendFileSync(path.join(seed, "Pulumi.prod.yaml"), "# a later edit\n");
    git(seed, "commit", "-qam", "later edit");
    git(seed, "push", "-q", "origin", "main");

    const r = record(runner, REQUEST);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.outputs.image, IMAGE);
    assert.equal(r.outputs.commit, git(origin, "rev-parse", "main"));
    assert.match(git(origin, "log", "-1", "--format=%s%n%b", "main"), /^release: app2 backend ghcr\.io\/mhylle\/app2-backend:abc123@sha256:5e5e.*\n\s*Requested by repository_dispatch from mhylle\/app2@abc123\./);
    assert.match(show(), /# a later edit$/);
    const diff = git(origin, "diff", "main~1", "main", "--unified=0").split("\n").filter((l) => /^[-+] /.test(l));
    assert.deepEqual(diff, ["-        image: ghcr.io/mhylle/app2-backend:1.0.0", `+        image: ${IMAGE}`]);
});

test("a bad request pushes nothing and fails with the problem lines", () => {
    const { runner, origin } = setup();
    const before = git(origin, "rev-parse", "main");
    const r = record(runner, JSON.stringify({ app: "app2", service: "backend", digest: "sha256:nope" }));
    assert.equal(r.status, 2);
    assert.match(r.err, /^digest: must be sha256:/m);
    assert.equal(git(origin, "rev-parse", "main"), before);
});

test("a release main already pins records nothing and says so", () => {
    const { runner, origin } = setup();
    assert.equal(record(runner, REQUEST).status, 0);
    const head = git(origin, "rev-parse", "main");
    const again = record(runner, REQUEST);
    assert.equal(again.status, 0, again.err);
    assert.equal(again.outputs.commit, "");
    assert.match(again.out, /already runs/);
    assert.equal(git(origin, "rev-parse", "main"), head);
});

test("after a failed up the pin is reverted, unless a newer commit changed that line", () => {
    const { runner, show } = setup();
    const first = record(runner, REQUEST);
    const revert = sh(runner, "bash", [".github/scripts/revert-release.sh", "prod", first.outputs.commit, IMAGE]);
    assert.equal(revert.status, 0, revert.err);
    assert.doesNotMatch(show(), /sha256:5e5e/);
    assert.match(show(), /image: ghcr\.io\/mhylle\/app2-backend:1.0.0/);

    // Released again, then superseded by a newer release of the same service: the revert leaves main alone.
    const second = record(runner, REQUEST);
    const newer = record(runner, requestFor(DIGEST.replace(/5e/g, "6f")));
    assert.equal(newer.status, 0, newer.err);
    const keep = sh(runner, "bash", [".github/scripts/revert-release.sh", "prod", second.outputs.commit, IMAGE]);
    assert.equal(keep.status, 0, keep.err);
    assert.match(keep.out, /no longer pins/);
    assert.match(show(), /sha256:6f6f/);
});

test("nothing recorded, nothing reverted", () => {
    const { runner } = setup();
    const r = sh(runner, "bash", [".github/scripts/revert-release.sh", "prod", "", IMAGE]);
    assert.equal(r.status, 0);
    assert.match(r.out, /nothing to revert/);
});
