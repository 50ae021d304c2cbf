// No secret on a command line: every program .github/scripts/ssh-access.sh starts is recorded
// (strace, every execve of the script and its children) while it runs for real against a local
// stand-in for the Scaleway API, and the Scaleway key appears in no argv, though the API got it.
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

const skip = needs("curl", "jq", "strace");
const SCRIPT = path.join(ROOT, ".github/scripts/ssh-access.sh");
// Quotes and a backslash: the config-file quoting must carry them to the header unchanged.
const KEY = 'scw-argv-7f3e9a1c-"q"\\z';
const GROUP = "6a0e2f4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
const tmp = tempDirs();
const tokens: (string | undefined)[] = [];
let server: http.Server;
let base = "";

before(async () => {
    if (skip) return;
    server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
            if (req.url === "/ip") return void res.end("198.51.100.23");
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
