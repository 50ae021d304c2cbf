// A release request is bound to its sender: only a GitHub OIDC token of the app's own repository
// (apps[].repository), made for this exact release, lets tools/release-request.ts pin an image.
// Another app repository's token, a token for another digest, a forged or expired one: exit 2
// and the stack file unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { releaseAudience, releaseProofProblems, loadJwks } from "../../tools/release-proof";
import { validateConfig } from "../../config/validate";
import { ConfigError } from "../../config/problem";
import { prodConfig, prodStackText } from "../support/prod-stack";
import { makeIssuer, signJwt } from "../support/github-oidc";
import { ROOT } from "./workflow-files";

const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const PLATFORM = "mhylle/platform";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const issuer = makeIssuer();
const audience = releaseAudience(PLATFORM, "app1", "backend", DIGEST);
const app1 = { repository: "mhylle/app1", repositoryId: "700000001", branch: "main", audience, appField: "apps[0]" };

function run(payload: Record<string, unknown>, stackText = prodStackText()) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-sender-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, stackText);
    const env = { ...process.env, RELEASE_REQUEST: JSON.stringify(payload), RELEASE_OIDC_JWKS: issuer.jwksFile, GITHUB_REPOSITORY: PLATFORM };
    const r = spawnSync(TSX, [path.join(ROOT, "tools/release-request.ts"), "--stack", "prod", "--pin"], { cwd: dir, env, encoding: "utf8" });
    return { status: r.status, err: r.stderr, out: r.stdout, changed: fs.readFileSync(file, "utf8") !== stackText };
}
const request = (proof: string) => ({ app: "app1", service: "backend", digest: DIGEST, proof });

test("the shipped catalogue names each app's repository", () => {
    assert.deepEqual(validateConfig(prodConfig()).apps.map((a) => a.repository), ["mhylle/app1", "mhylle/app2"]);
});

test("app1's own workflow releases app1: the image is pinned", () => {
    const r = run(request(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience })));
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.trim(), `ghcr.io/mhylle/app1-backend@${DIGEST}`);
    assert.ok(r.changed);
});

test("app2's repository cannot release app1, even with a valid token of its own made for that release", () => {
    const r = run(request(issuer.token({ repository: "mhylle/app2", repository_id: "700000002", aud: audience })));
    assert.equal(r.status, 2);
    assert.match(r.err, /^proof: comes from a workflow of another repository: only mhylle\/app1 \(apps\[0\]\.repository\) may release this app \(got "mhylle\/app2"\)$/m);
    assert.equal(r.changed, false);
});

test("a run on another branch of the app's own repository cannot release it (anyone who can push a branch could)", () => {
    const r = run(request(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience, ref: "refs/heads/feature" })));
    assert.equal(r.status, 2);
    assert.match(r.err, /^proof: comes from a run on another ref: only runs on the branch main \(apps\[0\]\.releaseBranch\) may release this app \(got "refs\/heads\/feature"\)$/m);
    assert.equal(r.changed, false);
    const other = run(request(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience, ref: "refs/heads/release" })), prodStackText().replace("      repository: mhylle/app1\n", "      repository: mhylle/app1\n      releaseBranch: release\n"));
    assert.equal(other.status, 0, other.err);
});

test("a request without a proof, or for an app with no repository, is refused before anything is written", () => {
    const none = run({ app: "app1", service: "backend", digest: DIGEST });
    assert.equal(none.status, 2);
    assert.match(none.err, /^proof: is required/m);
    assert.equal(none.changed, false);
    const unbound = run(request(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience })), prodStackText().replace("      repository: mhylle/app1\n", ""));
    assert.equal(unbound.status, 2);
    assert.match(unbound.err, /^apps\[0\]\.repository: is not set, so no repository may release this app/m);
    assert.equal(unbound.changed, false);
});

test("a token is good for the one release it names, from GitHub, unexpired, signed by GitHub's key", async () => {
    const jwks = await loadJwks(issuer.jwksFile);
    const check = (token: string) => releaseProofProblems(token, app1, jwks).map((p) => p.problem);
    assert.deepEqual(check(issuer.token({ repository: "MHylle/App1", repository_id: "700000001", aud: audience })), [], "names compare without case, as GitHub's do");
    assert.match(check(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: releaseAudience(PLATFORM, "app1", "backend", `sha256:${"cd".repeat(32)}`) }))[0], /made for another request/);
    assert.match(check(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: releaseAudience("someone/else", "app1", "backend", DIGEST) }))[0], /made for another request/);
    assert.match(check(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience, exp: Math.floor(Date.now() / 1000) - 600 }))[0], /expired/);
    assert.match(check(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience, iss: "https://evil.example" }))[0], /must be issued by/);
    // Signed by another key under the same kid: the signature does not verify.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = signJwt(privateKey, { alg: "RS256", kid: "test-key-1" }, { iss: "https://token.actions.githubusercontent.com", repository: "mhylle/app1", repository_id: "700000001", aud: audience, exp: Date.now() / 1000 + 300 });
    assert.match(check(forged)[0], /signature that does not verify/);
    // alg none: the claims of a good token, no signature.
    const [, claims] = issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience }).split(".");
    assert.match(check(`${Buffer.from('{"alg":"none","kid":"test-key-1"}').toString("base64url")}.${claims}.AA`)[0], /must be signed RS256/);
    assert.match(check("not-a-jwt")[0], /is not a JWT/);
    const problems = releaseProofProblems(forged, app1, jwks);
    assert.ok(problems.every((p) => p.got === "[token]"), "the token itself is never printed");
});

test("apps[].repository must be owner/name: a bad value is refused naming the field", () => {
    for (const bad of ["app1", "https://github.com/mhylle/app1", "mhylle/app1/extra", "-x/app1", "mhylle/..", "mhylle/app 1"]) {
        const raw = prodConfig() as { apps: Record<string, unknown>[] };
        raw.apps = raw.apps.map((a, i) => (i === 0 ? { ...a, repository: bad } : a));
        assert.throws(() => validateConfig(raw), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.field === "apps[0].repository"), bad);
    }
});

test("a repository that took over the app repository's name (after a rename or deletion) cannot release it: the id differs", () => {
    const r = run(request(issuer.token({ repository: "mhylle/app1", repository_id: "912345678", aud: audience })));
    assert.equal(r.status, 2);
    assert.match(r.err, /^proof: comes from another repository than the one apps\[0\]\.repositoryId names \(700000001\): a repository now holding the name mhylle\/app1 is not the app's \(got "912345678"\)$/m);
    assert.equal(r.changed, false);
    const noClaim = run(request(issuer.token({ repository: "mhylle/app1", aud: audience })));
    assert.equal(noClaim.status, 2, "a token without a repository_id claim is refused");
    assert.equal(noClaim.changed, false);
});

test("an app bound by name only cannot be released until its repository's id is set, and the error says how to find it", () => {
    const text = prodStackText().replace(/(      repository: mhylle\/app1\n(?:.*\n)*?)\s+repositoryId: "?700000001"?\n/, "$1\n");
    assert.doesNotMatch(text, /700000001/, "the test removed app1's id");
    const r = run(request(issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: audience })), text);
    assert.equal(r.status, 2);
    assert.match(r.err, /^apps\[0\]\.repositoryId: is not set: .* \(gh api repos\/mhylle\/app1 --jq \.id\) \(got nothing\)$/m);
    assert.equal(r.changed, false);
});

test("apps[].repositoryId must be GitHub's numeric id: a bad value is refused naming the field", () => {
    for (const bad of ["abc", "0", "-1", "12 34", "1;rm -rf /", "1e9", 1.5, "99999999999999999999"]) {
        const raw = prodConfig() as { apps: Record<string, unknown>[] };
        raw.apps = raw.apps.map((a, i) => (i === 0 ? { ...a, repositoryId: bad } : a));
        assert.throws(() => validateConfig(raw), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.field === "apps[0].repositoryId"), String(bad));
    }
    const raw = prodConfig() as { apps: Record<string, unknown>[] };
    raw.apps = raw.apps.map((a, i) => (i === 0 ? { ...a, repositoryId: 123456789 } : a));
    assert.equal(validateConfig(raw).apps[0].repositoryId, "123456789", "a number in YAML is taken as the id");
});
