// The alert channels of the rendered status program against local receivers, as an attacker would
// use them: a webhook that redirects elsewhere is never followed (the other host hears nothing); a
// webhook URL whose send fails with its token or password in the error leaves that secret out of
// the page, the job's log and alerts.json; text an app can put in an alert (a check's summary)
// never pings a Slack or Discord channel nor shows a link under other words.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { needs } from "../../support/requirements";
import { opsRoot, sh } from "../../support/ops";
import { freePort } from "../../support/ports";
import { TestCertificate, certificateFor127 } from "../../support/alert-sinks";
import { alertSecretsFile, installAlertSecretsScript } from "../../../render/monitoring/alert-secrets";

const skip = needs("python3", "openssl");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-safety-"));
const roots: { cleanup(): void }[] = [];
after(() => {
    roots.forEach((r) => r.cleanup());
    fs.rmSync(dir, { recursive: true, force: true });
});

interface Hit {
    method: string;
    url: string;
    body: string;
}
/** A server that records every request and answers as `answer` says. */
async function receiver(cert: TestCertificate | undefined, answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
    const hits: Hit[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            hits.push({ method: req.method ?? "", url: req.url ?? "", body });
            answer(req, res);
        });
    };
    const server = cert ? https.createServer({ key: cert.key, cert: cert.cert }, handler) : http.createServer(handler);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    roots.push({ cleanup: () => (server.closeAllConnections(), server.close()) });
    return { port, hits };
}

/** A platform root with the status program, the webhook at `url`, and alerts at the first red run. */
function root(url: string, webhook: Record<string, unknown> = {}) {
    const ops = opsRoot({ monitoring: { alerts: { redAfterRuns: 1, webhook: { enabled: true, ...webhook } } } });
    roots.push(ops);
    const r = sh("bash", ["-c", installAlertSecretsScript(ops.root)], { input: alertSecretsFile({ webhookUrl: url }) });
    assert.equal(r.code, 0, r.stderr);
    return ops.root;
}

/** Runs `args` without blocking this process (the receivers answer from its event loop). */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env: { ...process.env, ...env } });
        let stdout = "", stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** The status job's run as cron starts it, with no Docker (the report is red, so it alerts). */
async function statusJob(platform: string, certFile: string) {
    const bin = path.join(platform, "nodocker");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const r = await run(path.join(platform, "bin/platform-status"), ["--collect"], { PLATFORM_ROOT: platform, SSL_CERT_FILE: certFile, PATH: `${bin}:${process.env.PATH}` });
    assert.equal(r.code, 0, r.stderr);
    return {
        log: r.stdout + r.stderr,
        page: fs.readFileSync(path.join(platform, "status-page/index.html"), "utf8"),
        alerts: fs.readFileSync(path.join(platform, "state/alerts.json"), "utf8"),
    };
}

/** One red alert through process(), its failing check's summary given: what an app can write. */
async function alertWith(platform: string, certFile: string, summary: string) {
    const report = { status: "red", checks: [{ group: "health", name: "app1 backend", status: "fail", summary }], jobs: [] };
    const driver = [
        "import importlib.machinery, importlib.util, json, sys",
        "loader = importlib.machinery.SourceFileLoader('platform_status', sys.argv[1])",
        "spec = importlib.util.spec_from_loader('platform_status', loader)",
        "ps = importlib.util.module_from_spec(spec)",
        "loader.exec_module(ps)",
        `state = ps.process(json.loads(sys.argv[2]), {"backupRun": None}, [], ${Math.floor(Date.now() / 1000)})`,
        "print(json.dumps(state['failures']))",
    ].join("\n");
    const r = await run("python3", ["-c", driver, path.join(platform, "bin/platform-status"), JSON.stringify(report)], { PLATFORM_ROOT: platform, SSL_CERT_FILE: certFile });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), [], "the alert was delivered");
}

let cert: TestCertificate;
before(() => {
    if (!skip) cert = certificateFor127(dir);
});

describe("a webhook that answers with a redirect", { skip }, () => {
    for (const code of [301, 302, 303, 307, 308]) {
        test(`${code} to another host over plain http is not followed: the other host hears nothing`, async () => {
            const elsewhere = await receiver(undefined, (_q, s) => s.writeHead(200).end("stolen"));
            const hook = await receiver(cert, (_q, s) => s.writeHead(code, { location: `http://127.0.0.1:${elsewhere.port}/latest/meta-data/` }).end());
            const out = await statusJob(root(`https://127.0.0.1:${hook.port}/hooks/redirect-token-${code}`), cert.certFile);
            assert.equal(hook.hits.length, 1, "the alert was posted once");
            assert.deepEqual(elsewhere.hits, [], "the redirect's target was never asked");
            const failures = JSON.parse(out.alerts).failures;
            assert.match(failures[0].error, new RegExp(`HTTP ${code}`));
        });
    }
});

describe("a webhook or SMTP host that is the metadata service, in any spelling", { skip }, () => {
    for (const host of ["169.254.169.254", "2852039166", "0xa9fea9fe", "[::ffff:169.254.169.254]"])
        test(`${host}: nothing is sent, the failure says why`, async () => {
            const out = await statusJob(root(`https://${host}/latest/meta-data/hook-token`), cert.certFile);
            const failures = JSON.parse(out.alerts).failures;
            assert.match(failures[0].error, /169\.254\.169\.254 is link-local, multicast or reserved/);
            assert.ok(!out.page.includes("hook-token") && !out.alerts.includes("hook-token") && !out.log.includes("hook-token"));
        });
});

describe("a send that fails with the secret in its error", { skip }, () => {
    const token = `T0KEN${randomBytes(8).toString("hex")}`;
    const password = `PASSW0RD${randomBytes(8).toString("hex")}`;
    const cases: [string, (port: number) => string, string][] = [
        ["a control character after the token (the error quotes the path)", (port) => `https://127.0.0.1:${port}/hooks/${token}\n`, token],
        ["user:password@ before the host", (port) => `https://alerts:${password}@127.0.0.1:${port}/hooks/x`, password],
        ["a tab inside the token", (port) => `https://127.0.0.1:${port}/hooks/${token.slice(0, 8)}\t${token.slice(8)}`, token.slice(8)],
    ];
    for (const [what, url, secret] of cases)
        test(`${what}: the secret is on neither the page, the log nor alerts.json`, async () => {
            const hook = await receiver(cert, (_q, s) => s.writeHead(204).end());
            const out = await statusJob(root(url(hook.port)), cert.certFile);
            assert.ok(JSON.parse(out.alerts).failures.length > 0, "the send failed and was recorded");
            for (const [where, text] of Object.entries(out)) assert.ok(!text.includes(secret), `the secret is in the ${where}`);
            assert.deepEqual(hook.hits, [], "nothing was sent to a URL unfit to hold a token");
        });
});

describe("alert text an app can write", { skip }, () => {
    const summary = "health said <!channel> & <@U024BE7LH> see <https://evil.example/login|the status page> or [the status page](https://evil.example/login) @everyone @here";

    test("Slack: &, < and > are escaped, so no <!channel>, mention or disguised link is markup", async () => {
        const hook = await receiver(cert, (_q, s) => s.writeHead(200).end("ok"));
        await alertWith(root(`https://127.0.0.1:${hook.port}/services/T0/B0/x`, { format: "slack" }), cert.certFile, summary);
        const text: string = JSON.parse(hook.hits[0].body).text;
        assert.match(text, /&lt;!channel&gt; &amp; &lt;@U024BE7LH&gt; see &lt;https:\/\/evil\.example\/login\|the status page&gt;/);
        assert.doesNotMatch(text, /<[!@h]/, "no Slack control sequence left");
    });

    test("generic: its Slack-compatible text is escaped as Slack's; title and message stay the raw strings", async () => {
        const hook = await receiver(cert, (_q, s) => s.writeHead(204).end());
        await alertWith(root(`https://127.0.0.1:${hook.port}/hooks/x`), cert.certFile, summary);
        const body = JSON.parse(hook.hits[0].body);
        assert.match(body.text, /&lt;!channel&gt; &amp; &lt;@U024BE7LH&gt;/);
        assert.doesNotMatch(body.text, /<[!@h]/);
        assert.match(body.message, /<!channel> & <@U024BE7LH>/);
    });

    test("Discord: no mention is parsed, and markdown links and formatting are escaped", async () => {
        const hook = await receiver(cert, (_q, s) => s.writeHead(204).end());
        await alertWith(root(`https://127.0.0.1:${hook.port}/api/webhooks/1/x`, { format: "discord" }), cert.certFile, summary);
        const body = JSON.parse(hook.hits[0].body);
        assert.deepEqual(body.allowed_mentions, { parse: [] });
        assert.match(body.content, /\\\[the status page\\\]\\\(https:\/\/evil\.example\/login\\\)/);
        assert.match(body.content, /\\@everyone \\@here/);
        assert.doesNotMatch(body.content, /(^|[^\\])\[the status page\]/);
    });
});
