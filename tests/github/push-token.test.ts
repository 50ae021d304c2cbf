// Release pushes to main with the job's token, yet no token is left for the code that runs before:
// checkout keeps none (persist-credentials: false), and record-release.sh hands PUSH_TOKEN to git
// alone. Run for real against an HTTP git remote that demands the token (git-http-backend behind
// Basic auth), under strace: the push succeeds, the token is on no command line, and of every
// program started only git (and the credential helper git runs) has it in its environment; the
// release check (tsx, running dependencies' code) does not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { needs } from "../support/requirements";
import { makeIssuer } from "../support/github-oidc";
import { releaseAudience } from "../../tools/release-proof";
import { git, setup } from "./release-remote";
import { load } from "./workflow-files";

const skip = needs("git", "strace");
const BACKEND = "/usr/lib/git-core/git-http-backend";
const TOKEN = "ghs_pushtoken0a1b2c3d4e5f";
const DIGEST = `sha256:${"7a".repeat(32)}`;
const issuer = makeIssuer();
let server: http.Server;
let port = 0;
let root = "";
const authorized: boolean[] = [];

before(async () => {
    if (skip) return;
    // A CGI bridge: what GitHub's smart HTTP does, with the job token as the only credential.
    server = http.createServer((req, res) => {
        const ok = req.headers.authorization === `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
        authorized.push(ok);
        if (!ok) {
            res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' });
            return void res.end();
        }
        const url = new URL(req.url!, "http://remote");
        const cgi = spawn(BACKEND, [], {
            env: {
                PATH: process.env.PATH,
                GIT_PROJECT_ROOT: root,
                GIT_HTTP_EXPORT_ALL: "1",
                REMOTE_USER: "x-access-token",
                REQUEST_METHOD: req.method,
                PATH_INFO: url.pathname,
                QUERY_STRING: url.search.slice(1),
                CONTENT_TYPE: req.headers["content-type"] ?? "",
                ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
            },
        });
        req.pipe(cgi.stdin);
        const chunks: Buffer[] = [];
        cgi.stdout.on("data", (d) => chunks.push(d));
        cgi.on("close", () => {
            const out = Buffer.concat(chunks);
            const split = out.indexOf("\r\n\r\n");
            const headers = out.subarray(0, split).toString().split("\r\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]);
            const status = Number(headers.find(([k]) => k.toLowerCase() === "status")?.[1].split(" ")[0] ?? 200);
            res.writeHead(status, Object.fromEntries(headers.filter(([k]) => k.toLowerCase() !== "status")));
            res.end(out.subarray(split + 4));
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
});
after(() => server?.close());

interface Exec {
    readonly program: string;
    readonly argv: string;
    readonly env: string;
}

/** record-release.sh under strace -v: every execve with its argv and environment. */
function traced(runner: string, env: Record<string, string>): Promise<{ status: number | null; err: string; execs: Exec[] }> {
    const trace = path.join(runner, "..", "trace.txt");
    return new Promise((resolve) => {
        const p = spawn("strace", ["-f", "-qq", "-v", "-e", "trace=execve", "-s", "65536", "-o", trace, "bash", ".github/scripts/record-release.sh", "prod"], {
            cwd: runner,
            env: { ...process.env, HOME: runner, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", ...env },
        });
        let err = "";
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (status) => {
            const execs = fs
                .readFileSync(trace, "utf8")
                .split("\n")
                .map((l) => /execve\("([^"]+)", (\[.*?\]), (\[.*\])\) = 0$/.exec(l))
                .filter((m): m is RegExpExecArray => m !== null)
                .map((m) => ({ program: path.basename(m[1]), argv: m[2], env: m[3] }));
            resolve({ status, err, execs });
        });
    });
}

test("record-release.sh pushes with PUSH_TOKEN that only git sees, and no command line holds", { skip }, async () => {
    const { dir, origin, runner } = setup();
    root = dir;
    git(runner, "remote", "set-url", "origin", `http://127.0.0.1:${port}/${path.basename(origin)}`);
    const before = git(origin, "rev-parse", "main");
    const request = JSON.stringify({ app: "app2", service: "backend", digest: DIGEST, proof: issuer.token({ repository: "mhylle/app2", repository_id: "700000002", aud: releaseAudience("mhylle/platform", "app2", "backend", DIGEST) }) });
    authorized.length = 0;
    const r = await traced(runner, { PUSH_TOKEN: TOKEN, RELEASE_REQUEST: request, RELEASE_OIDC_JWKS: issuer.jwksFile, GITHUB_REPOSITORY: "mhylle/platform", GITHUB_OUTPUT: path.join(dir, "out") });
    assert.equal(r.status, 0, r.err);
    assert.notEqual(git(origin, "rev-parse", "main"), before, "the release was pushed");
    assert.match(git(origin, "show", "main:Pulumi.prod.yaml"), new RegExp(DIGEST));
    assert.ok(authorized.includes(true), "the remote got the token");

    assert.deepEqual(r.execs.filter((e) => e.argv.includes(TOKEN)).map((e) => e.argv), [], "the token on a command line");
    const node = r.execs.filter((e) => e.program === "node" || e.program === "tsx");
    assert.ok(node.length > 0, "the release check ran (so the check below looks at something)");
    // The credential helper's shell is git's child; its argv is the helper's text, which names the variable only.
    // The script itself gets it from the step (execs[0]); it drops it from its environment first thing.
    assert.match(r.execs[0].argv, /record-release\.sh/);
    const holders = r.execs.slice(1).filter((e) => e.env.includes(TOKEN)).filter((e) => !(/^git(-remote-https?)?$/.test(e.program) || e.argv.includes("password=$PUSH_TOKEN")));
    assert.deepEqual(holders.map((e) => `${e.program} ${e.argv.slice(0, 120)}`), [], "a program other than git with the token in its environment");
    assert.ok(r.execs.some((e) => e.program.startsWith("git") && e.env.includes(TOKEN)), "git got the token");
    assert.doesNotMatch(fs.readFileSync(path.join(runner, ".git/config"), "utf8"), new RegExp(TOKEN), "no token left in .git/config");
});

test("revert-release.sh pushes its revert with PUSH_TOKEN too, and the Release steps that push get it", { skip }, async () => {
    const { dir, origin, runner } = setup();
    root = dir;
    git(runner, "remote", "set-url", "origin", `http://127.0.0.1:${port}/${path.basename(origin)}`);
    const request = JSON.stringify({ app: "app2", service: "backend", digest: DIGEST, proof: issuer.token({ repository: "mhylle/app2", repository_id: "700000002", aud: releaseAudience("mhylle/platform", "app2", "backend", DIGEST) }) });
    const env = { PUSH_TOKEN: TOKEN, RELEASE_REQUEST: request, RELEASE_OIDC_JWKS: issuer.jwksFile, GITHUB_REPOSITORY: "mhylle/platform", GITHUB_OUTPUT: path.join(dir, "out") };
    assert.equal((await traced(runner, env)).status, 0);
    const commit = git(origin, "rev-parse", "main");
    const image = /image=(.*)/.exec(fs.readFileSync(path.join(dir, "out"), "utf8"))![1];
    const revert = await new Promise<{ status: number | null; err: string }>((resolve) => {
        const p = spawn("bash", [".github/scripts/revert-release.sh", "prod", commit, image], { cwd: runner, env: { ...process.env, HOME: runner, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", PUSH_TOKEN: TOKEN } });
        let err = "";
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (status) => resolve({ status, err }));
    });
    assert.equal(revert.status, 0, revert.err);
    assert.doesNotMatch(git(origin, "show", "main:Pulumi.prod.yaml"), new RegExp(DIGEST), "the revert was pushed");

    const wf = load(".github/workflows/release.yml");
    const pushing = Object.values<any>(wf.jobs).flatMap((j) => j.steps).filter((s: any) => /(record|revert)-release\.sh/.test(s.run ?? ""));
    assert.equal(pushing.length, 2);
    for (const s of pushing) assert.equal(s.env.PUSH_TOKEN, "${{ github.token }}");
});
