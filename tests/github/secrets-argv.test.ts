// No secret on a command line: every program a CI script starts is recorded (strace, every execve
// of the script and its children) while it runs for real against local stand-ins (the Scaleway
// API; GitHub's OIDC token endpoint), and the secret appears in no argv, though the service got it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { needs } from "../support/requirements";
import { tempDirs } from "../support/tmp";
import { ROOT, load } from "./workflow-files";

const skip = needs("curl", "jq", "strace");
const SCRIPT = path.join(ROOT, ".github/scripts/ssh-access.sh");
// Quotes and a backslash: the config-file quoting must carry them to the header unchanged.
const KEY = 'scw-argv-7f3e9a1c-"q"\\z';
const GROUP = "6a0e2f4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
const tmp = tempDirs();
const tokens: (string | undefined)[] = [];
const OIDC_BEARER = "oidc-request-bearer-5b2e";
const OIDC_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJyZXBvc2l0b3J5IjoibWh5bGxlL2FwcDEifQ.c2lnbmF0dXJlLTQ4ZjE";
const oidcRequests: { auth?: string; audience: string | null }[] = [];
let server: http.Server;
let base = "";

before(async () => {
    if (skip) return;
    server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
            if (req.url === "/ip") return void res.end("198.51.100.23");
            if (req.url!.startsWith("/oidc")) {
                oidcRequests.push({ auth: req.headers.authorization, audience: new URL(req.url!, "http://x").searchParams.get("audience") });
                return void res.end(JSON.stringify({ value: OIDC_JWT }));
            }
            tokens.push(req.headers["x-auth-token"] as string | undefined);
            res.writeHead(req.method === "POST" ? 201 : 204, { "content-type": "application/json" });
            res.end(JSON.stringify({ rule: { id: "rule-9" } }));
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server?.close());

/** Runs the script under strace; returns its status and every argv any process executed. */
function traced(dir: string, ...args: string[]): Promise<{ status: number | null; err: string; execs: string[] }> {
    const trace = path.join(dir, `trace-${args[0]}.txt`);
    return new Promise((resolve) => {
        const p = spawn("strace", ["-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", trace, "bash", SCRIPT, ...args], {
            env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, RUNNER_TEMP: dir, SCW_SECRET_KEY: KEY, SCW_API_URL: base, IP_ECHO_URL: `${base}/ip` },
        });
        let err = "";
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (status) => resolve({ status, err, execs: fs.readFileSync(trace, "utf8").split("\n").filter((l) => l.includes("execve(")) }));
    });
}

test("ssh-access.sh open and close: the Scaleway key reaches the API in a header and is in no program's argv", { skip }, async () => {
    const dir = tmp(path.join(os.tmpdir(), "secrets-argv-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin/pulumi"), `#!/bin/bash\nprintf '%s' '${JSON.stringify({ zone: "fr-par-1", securityGroupId: GROUP })}'\n`, { mode: 0o755 });
    tokens.length = 0;
    for (const mode of [["open", "prod"], ["close"]]) {
        const r = await traced(dir, ...mode);
        assert.equal(r.status, 0, r.err);
        assert.ok(r.execs.some((l) => /execve\("[^"]*\/curl"/.test(l)), `${mode[0]}: curl ran (the trace sees the script's children)`);
        // strace prints argv C-escaped: look for the key both raw and as strace would write it.
        const escaped = KEY.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
        const leaks = r.execs.filter((l) => l.includes(KEY) || l.includes(escaped) || l.includes("scw-argv-7f3e9a1c"));
        assert.deepEqual(leaks, [], `${mode[0]}: the key is on a command line`);
    }
    assert.deepEqual(tokens, [KEY, KEY], "the API got the key, unchanged, on both calls");
});

test("the app template's release step: the OIDC request's bearer and the token it returns are in no argv", { skip }, async () => {
    const dir = tmp(path.join(os.tmpdir(), "secrets-argv-"));
    fs.mkdirSync(path.join(dir, "bin"));
    // gh stands in for the dispatch: it keeps what it was given on stdin.
    fs.writeFileSync(path.join(dir, "bin/gh"), `#!/bin/bash\ncat > "${dir}/dispatch.json"\n`, { mode: 0o755 });
    const wf = load("templates/app/.github/workflows/release.yml");
    const step = wf.jobs.image.steps.find((s: { run?: string }) => /dispatches/.test(s.run ?? ""));
    const script = path.join(dir, "step.sh");
    fs.writeFileSync(script, step.run);
    const digest = `sha256:${"e".repeat(64)}`;
    const trace = path.join(dir, "trace.txt");
    const env = {
        ...process.env,
        PATH: `${dir}/bin:${process.env.PATH}`,
        APP: "app1",
        GH_TOKEN: "gh-dispatch-token",
        PLATFORM: "mhylle/platform",
        SERVICE: "backend",
        IMAGE: "ghcr.io/mhylle/app1-backend:abc",
        DIGEST: digest,
        GITHUB_REPOSITORY: "mhylle/app1",
        GITHUB_SHA: "abc",
        ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/oidc?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: OIDC_BEARER,
    };
    oidcRequests.length = 0;
    // GitHub runs a bash step as: bash --noprofile --norc -eo pipefail FILE
    const status = await new Promise<number | null>((resolve) => {
        const p = spawn("strace", ["-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", trace, "bash", "--noprofile", "--norc", "-eo", "pipefail", script], { env });
        p.on("exit", resolve);
    });
    assert.equal(status, 0);
    assert.deepEqual(oidcRequests, [{ auth: `bearer ${OIDC_BEARER}`, audience: `platform-release:mhylle/platform:app1:backend:${digest}` }]);
    const sent = JSON.parse(fs.readFileSync(path.join(dir, "dispatch.json"), "utf8"));
    assert.equal(sent.client_payload.proof, OIDC_JWT);
    const execs = fs.readFileSync(trace, "utf8").split("\n").filter((l) => l.includes("execve("));
    assert.ok(execs.some((l) => /execve\("[^"]*\/curl"/.test(l)));
    assert.deepEqual(execs.filter((l) => l.includes(OIDC_BEARER) || l.includes(OIDC_JWT)), [], "a token on a command line");
});
