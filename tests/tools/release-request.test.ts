// The release request from an app repository: every malformed payload is refused by name, with
// exit 2, before the workflow reaches any Pulumi command; a good one prints the pinned image.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { resolveRelease, repositoryOf } from "../../tools/release-request";
import { validateConfig } from "../../config/validate";
import { readStackFile } from "../../config/stack-file";
import { prodConfig, prodStackText } from "../support/prod-stack";
import { makeIssuer } from "../support/github-oidc";
import { releaseAudience } from "../../tools/release-proof";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const cfg = validateConfig(prodConfig());
const good = { app: "app1", service: "backend", digest: DIGEST };
const issuer = makeIssuer();

/** The single problem line for one field, or a failure listing what came back. */
function problemFor(payload: unknown, field: string): string {
    const { release, problems } = resolveRelease(payload, cfg, "prod");
    assert.equal(release, undefined, "a bad payload must not resolve");
    const hit = problems.filter((p) => p.field === field);
    assert.equal(hit.length, 1, `expected one problem for ${field}, got ${JSON.stringify(problems)}`);
    return hit[0].problem;
}

test("a good payload resolves to the catalogue's repository pinned by digest", () => {
    const { release, problems } = resolveRelease(good, cfg, "prod");
    assert.deepEqual(problems, []);
    assert.equal(release?.image, `ghcr.io/mhylle/app1-backend@${DIGEST}`);
    assert.equal(release?.configPath, "apps[0].backend.image");
});

test("a tag given in image is kept beside the digest", () => {
    const { release } = resolveRelease({ ...good, service: "frontend", image: "ghcr.io/mhylle/app1-frontend:1.4.0" }, cfg, "prod");
    assert.equal(release?.image, `ghcr.io/mhylle/app1-frontend:1.4.0@${DIGEST}`);
});

test("an unknown app is refused, naming the known ones", () => {
    assert.match(problemFor({ ...good, app: "app9" }, "app"), /not in the app catalogue.*known: app1, app2/);
});

test("a missing app is refused", () => {
    assert.match(problemFor({ service: "backend", digest: DIGEST }, "app"), /is required/);
});

test("an app updated by Watchtower is refused: a digest pin would freeze it", () => {
    const wt = validateConfig({ apps: [{ name: "app1", watchtower: true, frontend: { image: "a/b:1" }, backend: { image: "a/c:1" } }] });
    const { problems } = resolveRelease(good, wt, "prod");
    assert.match(problems[0].problem, /Watchtower/);
});

test("a service other than frontend or backend is refused", () => {
    assert.match(problemFor({ ...good, service: "database" }, "service"), /"frontend", "backend"/);
});

for (const digest of [undefined, "abc", `sha256:${"0".repeat(63)}`, `sha256:${"A".repeat(64)}`, `sha512:${"0".repeat(64)}`, `${DIGEST}\nrm -rf /`]) {
    test(`a malformed digest is refused: ${JSON.stringify(digest)}`, () => {
        assert.match(problemFor({ ...good, digest }, "digest"), /sha256: followed by 64 lower-case hex digits/);
    });
}

test("an image carrying its own digest is refused (the digest goes in digest)", () => {
    assert.match(problemFor({ ...good, image: `ghcr.io/mhylle/app1-backend@${DIGEST}` }, "image"), /without a digest/);
});

test("an image from another repository is refused: repositories change by pull request", () => {
    assert.match(problemFor({ ...good, image: "ghcr.io/someone/else:1" }, "image"), /catalogue's repository ghcr.io\/mhylle\/app1-backend/);
});

test("unknown fields and a bad source are refused by name", () => {
    assert.match(problemFor({ ...good, digets: DIGEST }, "digets"), /not a known field/);
    assert.match(problemFor({ ...good, source: "$(id)" }, "source"), /short reference/);
});

test("a payload that is not an object is refused", () => {
    for (const p of [null, "app1", [good]]) assert.match(problemFor(p, "(root)"), /JSON object/);
});

test("repositoryOf keeps a registry port and drops tag and digest", () => {
    assert.equal(repositoryOf(`localhost:5000/a/b:1@${DIGEST}`), "localhost:5000/a/b");
    assert.equal(repositoryOf("ghcr.io/a/b"), "ghcr.io/a/b");
});

/** Runs the script as the workflow does, in a scratch copy of the repository's stack file. */
function run(request: string | undefined, ...args: string[]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-request-"));
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), prodStackText());
    // The sender's proof is checked as GitHub's would be, against a stand-in issuer (tests/github/release-sender.test.ts).
    const env = { ...process.env, RELEASE_REQUEST: request, RELEASE_OIDC_JWKS: issuer.jwksFile, GITHUB_REPOSITORY: "mhylle/platform" };
    if (request === undefined) delete env.RELEASE_REQUEST;
    const r = spawnSync(TSX, [path.join(ROOT, "tools", "release-request.ts"), "--stack", "prod", ...args], { cwd: dir, env, encoding: "utf8" });
    return { ...r, dir, stackFile: () => fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8") };
}

test("the script exits 2 with one FIELD: PROBLEM (got VALUE) line per problem and changes nothing", () => {
    const r = run(JSON.stringify({ app: "nope", service: "backend", digest: "sha256:12" }), "--pin");
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.deepEqual(lines.map((l) => l.split(":")[0]), ["app", "digest"]);
    assert.match(lines[1], /\(got "sha256:12"\)$/);
    assert.equal(r.stackFile(), prodStackText());
});

test("the script refuses invalid JSON and a missing request with exit 2", () => {
    assert.match(run("{app:").stderr, /^\(root\): is not valid JSON/);
    const none = run(undefined);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no release request/);
});

test("--pin changes exactly one line of the stack file and --github-output hands the release on", () => {
    const out = path.join(os.tmpdir(), `gh-output-${process.pid}`);
    fs.writeFileSync(out, "");
    const proof = issuer.token({ repository: "mhylle/app1", repository_id: "700000001", aud: releaseAudience("mhylle/platform", "app1", "backend", DIGEST) });
    const r = run(JSON.stringify({ ...good, source: "mhylle/app1@3f2a1c0", proof }), "--pin", "--github-output", out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `ghcr.io/mhylle/app1-backend@${DIGEST}`);
    const before = prodStackText().split("\n");
    const after = r.stackFile().split("\n");
    assert.equal(after.length, before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    assert.deepEqual(changed, [`        image: ghcr.io/mhylle/app1-backend@${DIGEST}`]);
    assert.equal(validateConfig(readStackFile(path.join(r.dir, "Pulumi.prod.yaml")).raw).apps[0].backend.image, `ghcr.io/mhylle/app1-backend@${DIGEST}`);
    assert.match(fs.readFileSync(out, "utf8"), new RegExp(`^app=app1\nservice=backend\nimage=.*@${DIGEST}\nconfig-path=apps\\[0\\]\\.backend\\.image\nsource=mhylle/app1@3f2a1c0\n$`));
});

test("a stack file that is not plain YAML config: exit 2 with FILE: PROBLEM (line N), the file unchanged", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-request-"));
    const text = prodStackText().replace("  mhylle-platform:target: scaleway\n", "  mhylle-platform:target: scaleway\n  mhylle-platform:target: local\n");
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), text);
    const r = spawnSync(TSX, [path.join(ROOT, "tools", "release-request.ts"), "--stack", "prod", "--pin"], { cwd: dir, env: { ...process.env, RELEASE_REQUEST: JSON.stringify(good) }, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), /^Pulumi\.prod\.yaml: has the key "mhylle-platform:target" twice in one mapping; .* \(line \d+\)$/);
    assert.equal(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), text);
});
