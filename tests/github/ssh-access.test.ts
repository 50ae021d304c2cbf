// .github/scripts/ssh-access.sh, the step that lets a GitHub runner through the server's firewall
// to SSH for one job: run for real (bash, curl, jq) against a local stand-in for the Scaleway API
// and the address echo service, with a `pulumi` double that prints the stack output.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { needs } from "../support/requirements";
import { tempDirs } from "../support/tmp";
import { ROOT } from "./workflow-files";

const skip = needs("curl", "jq");
const SCRIPT = path.join(ROOT, ".github/scripts/ssh-access.sh");
const KEY = "scw-secret-0d6c4b1e-test";
const GROUP = "6a0e2f4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
const tmp = tempDirs();

interface Call {
    readonly method: string;
    readonly url: string;
    readonly token: string | undefined;
    readonly body: string;
}
let calls: Call[] = [];
/** What the stand-in API answers next: status and body. */
let answer: { status: number; body: unknown } = { status: 201, body: { rule: { id: "rule-1" } } };
let runnerAddress = "198.51.100.23";
let server: http.Server;
let base = "";

before(async () => {
    if (skip) return;
    server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            if (req.url === "/ip") {
                res.end(runnerAddress);
                return;
            }
            calls.push({ method: req.method!, url: req.url!, token: req.headers["x-auth-token"] as string | undefined, body });
            res.writeHead(answer.status, { "content-type": "application/json" });
            res.end(JSON.stringify(answer.body));
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server?.close());

/** A runner: its temp folder, and a `pulumi` that prints `output` for `stack output` (or fails when null). */
function runner(output: unknown) {
    const dir = tmp(path.join(os.tmpdir(), "ssh-access-"));
    fs.mkdirSync(path.join(dir, "bin"));
    const answers = output === null ? 'echo "error: current stack does not have output property sshFirewall" >&2; exit 255' : `printf '%s' '${JSON.stringify(output)}'`;
    const expected = '[ "$*" = "stack output --stack prod --json sshFirewall" ] || { echo "unexpected: pulumi $*" >&2; exit 2; }';
    fs.writeFileSync(path.join(dir, "bin/pulumi"), `#!/bin/bash\n${expected}\n${answers}\n`, { mode: 0o755 });
    return dir;
}

function run(dir: string, ...args: string[]): Promise<{ status: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
        const p = spawn("bash", [SCRIPT, ...args], {
            env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, RUNNER_TEMP: dir, SCW_SECRET_KEY: KEY, SCW_API_URL: base, IP_ECHO_URL: `${base}/ip` },
        });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (status) => resolve({ status, out, err }));
    });
}

const reset = () => {
    calls = [];
    answer = { status: 201, body: { rule: { id: "rule-1" } } };
    runnerAddress = "198.51.100.23";
};
const stateFile = (dir: string) => path.join(dir, "ssh-access-rule.json");

test("open adds one accept rule for the runner's /32 on port 22; close removes exactly that rule", { skip }, async () => {
    reset();
    const dir = runner({ zone: "fr-par-1", securityGroupId: `fr-par-1/${GROUP}` });
    const opened = await run(dir, "open", "prod");
    assert.equal(opened.status, 0, opened.err);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].method, "POST");
    assert.equal(calls[0].url, `/instance/v1/zones/fr-par-1/security_groups/${GROUP}/rules`, "the provider's zone/ prefix is not part of the API id");
    assert.equal(calls[0].token, KEY);
    assert.deepEqual(JSON.parse(calls[0].body), { protocol: "TCP", direction: "inbound", action: "accept", ip_range: "198.51.100.23/32", dest_port_from: 22, dest_port_to: 22 });
    assert.ok(!(opened.out + opened.err).includes(KEY), "the API key is never printed");
    assert.match(opened.err, /port 22 open to 198\.51\.100\.23\/32/);

    calls = [];
    answer = { status: 204, body: {} };
    const closed = await run(dir, "close");
    assert.equal(closed.status, 0, closed.err);
    assert.deepEqual(calls.map((c) => `${c.method} ${c.url}`), [`DELETE /instance/v1/zones/fr-par-1/security_groups/${GROUP}/rules/rule-1`]);
    assert.equal(calls[0].token, KEY);
    assert.equal(fs.existsSync(stateFile(dir)), false);

    calls = [];
    const again = await run(dir, "close");
    assert.equal(again.status, 0);
    assert.equal(calls.length, 0, "a second close calls nothing");
});

test("a stack without a server opens nothing and says the first up needs an admin address", { skip }, async () => {
    reset();
    const dir = runner(null);
    const r = await run(dir, "open", "prod");
    assert.equal(r.status, 0, r.err);
    assert.equal(calls.length, 0);
    assert.match(r.err, /no server yet.*first up must run from an address in server\.adminCidrs/);
    const closed = await run(dir, "close");
    assert.equal(closed.status, 0);
    assert.equal(calls.length, 0);
});

test("an API refusal fails the step with Scaleway's status and message, and leaves nothing to close", { skip }, async () => {
    reset();
    answer = { status: 403, body: { message: "insufficient permissions", type: "permissions_denied" } };
    const dir = runner({ zone: "nl-ams-1", securityGroupId: GROUP });
    const r = await run(dir, "open", "prod");
    assert.notEqual(r.status, 0);
    assert.match(r.err, /Scaleway API POST \/instance\/v1\/zones\/nl-ams-1\/security_groups\/[0-9a-f-]+\/rules answered 403: insufficient permissions/);
    assert.equal(fs.existsSync(stateFile(dir)), false);
});

test("an address echo that answers something else than IPv4 fails before any API call", { skip }, async () => {
    for (const bad of ["<html>rate limited</html>", "198.51.100.300", "2001:db8::1"]) {
        reset();
        runnerAddress = bad;
        const r = await run(runner({ zone: "fr-par-1", securityGroupId: GROUP }), "open", "prod");
        assert.notEqual(r.status, 0, bad);
        assert.match(r.err, /not an IPv4 address/, bad);
        assert.equal(calls.length, 0, bad);
    }
});

test("closing a rule Pulumi already rewrote away (404) is not an error", { skip }, async () => {
    reset();
    const dir = runner({ zone: "fr-par-1", securityGroupId: GROUP });
    assert.equal((await run(dir, "open", "prod")).status, 0);
    answer = { status: 404, body: { message: "resource not found" } };
    const r = await run(dir, "close");
    assert.equal(r.status, 0, r.err);
    assert.equal(calls.at(-1)?.method, "DELETE");
});
