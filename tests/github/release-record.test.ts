// Recording a release on main and taking it back, against a real git remote (a bare repository
// in a temporary folder standing in for GitHub): one commit changing one line, from the newest
// main; nothing pushed for a bad request; a revert only while main still pins that image.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { git, setup, sh } from "./release-remote";
import { makeIssuer } from "../support/github-oidc";
import { releaseAudience } from "../../tools/release-proof";

const DIGEST = `sha256:${"5e".repeat(32)}`;
const IMAGE = `ghcr.io/mhylle/app2-backend:abc123@${DIGEST}`;
const issuer = makeIssuer();
/** app2's request as its workflow sends it, with its repository's OIDC token for this release. */
const requestFor = (digest: string) =>
    JSON.stringify({ app: "app2", service: "backend", digest, image: "ghcr.io/mhylle/app2-backend:abc123", source: "mhylle/app2@abc123", proof: issuer.token({ repository: "mhylle/app2", repository_id: "700000002", aud: releaseAudience("mhylle/platform", "app2", "backend", digest) }) });
const REQUEST = requestFor(DIGEST);

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
