// DNS rebinding against the alert channels: a webhook or SMTP host whose name resolves to a public
// address when the status program checks it and to the metadata service when it connects. The
// resolver is the attacker's here (a sitecustomize.py that answers the first lookup of the name
// with the receiver's address and every later one with 169.254.169.254, and records each connect):
// the send must go to the address that was checked, and nothing may ever dial the other.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { needs } from "../../support/requirements";
import { ok, opsRoot } from "../../support/ops";
import { freePort } from "../../support/ports";
import { smtpSink, webhookReceiver, type TestCertificate } from "../../support/alert-sinks";
import { alertSecretsFile, installAlertSecretsScript } from "../../../render/monitoring/alert-secrets";

const skip = needs("python3", "openssl");
const NAME = "alerts.rebind.test";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rebind-"));
const connects = path.join(dir, "connects.log");
const cleanups: (() => void)[] = [];
after(() => {
    cleanups.forEach((c) => c());
    fs.rmSync(dir, { recursive: true, force: true });
});

// The attacker's resolver: first answer the receiver (loopback, allowed on the local target), then the metadata service.
const SITECUSTOMIZE = `
import socket
_real = socket.getaddrinfo
_seen = {}
def _rebinding(host, port, *a, **k):
    if host == ${JSON.stringify(NAME)}:
        n = _seen[host] = _seen.get(host, 0) + 1
        address = "127.0.0.1" if n == 1 else "169.254.169.254"
        return _real(address, port, *a, **k)
    return _real(host, port, *a, **k)
socket.getaddrinfo = _rebinding
_connect = socket.socket.connect
def _logged(self, address):
    with open(${JSON.stringify(connects)}, "a") as f:
        f.write(str(address[0]) + "\\n")
    return _connect(self, address)
socket.socket.connect = _logged
`;

let cert: TestCertificate;
before(() => {
    if (skip) return;
    fs.mkdirSync(path.join(dir, "site"));
    fs.writeFileSync(path.join(dir, "site", "sitecustomize.py"), SITECUSTOMIZE);
    const keyFile = path.join(dir, "rebind.key"), certFile = path.join(dir, "rebind.pem");
    ok("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`, "-keyout", keyFile, "-out", certFile]);
    cert = { certFile, key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
});

function statusJob(root: string): Promise<number | null> {
    const bin = path.join(root, "nodocker");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const env = { ...process.env, PLATFORM_ROOT: root, SSL_CERT_FILE: cert.certFile, PATH: `${bin}:${process.env.PATH}`, PYTHONPATH: path.join(dir, "site") };
    return new Promise((resolve) => spawn(path.join(root, "bin/platform-status"), ["--collect"], { env, stdio: "ignore" }).on("close", resolve));
}

const dialed = () => (fs.existsSync(connects) ? fs.readFileSync(connects, "utf8").trim().split("\n") : []);

test("webhook: the POST goes to the address that was checked; the metadata service is never dialed", { skip }, async () => {
    fs.rmSync(connects, { force: true });
    const port = await freePort();
    const hook = webhookReceiver(cert, port);
    await hook.start();
    cleanups.push(() => void hook.stop());
    const ops = opsRoot({ monitoring: { alerts: { redAfterRuns: 1, webhook: { enabled: true } } } });
    cleanups.push(() => ops.cleanup());
    ok("bash", ["-c", installAlertSecretsScript(ops.root)], { input: alertSecretsFile({ webhookUrl: `https://${NAME}:${port}/hooks/rebind-token` }) });
    assert.equal(await statusJob(ops.root), 0);
    assert.ok(dialed().length > 0, "the sitecustomize resolver was in use");
    assert.ok(!dialed().includes("169.254.169.254"), `dialed: ${dialed().join(" ")}`);
    assert.equal(hook.posts.length, 1, "the alert reached the address that was checked, under the name its certificate holds");
    assert.equal(hook.posts[0].path, "/hooks/rebind-token");
});

test("email: the SMTP session (STARTTLS, certificate checked against the name) goes to the address that was checked", { skip }, async () => {
    fs.rmSync(connects, { force: true });
    const port = await freePort();
    const sink = await smtpSink(cert, port);
    cleanups.push(() => sink.close());
    const email = { enabled: true, host: NAME, port, username: "alerts@example.test", from: "platform@example.test", to: ["ops@example.test"] };
    const ops = opsRoot({ monitoring: { alerts: { redAfterRuns: 1, email } } });
    cleanups.push(() => ops.cleanup());
    ok("bash", ["-c", installAlertSecretsScript(ops.root)], { input: alertSecretsFile({ smtpPassword: "rebind-password" }) });
    assert.equal(await statusJob(ops.root), 0);
    assert.ok(!dialed().includes("169.254.169.254"), `dialed: ${dialed().join(" ")}`);
    assert.equal(sink.mails.length, 1, "the alert was mailed through the relay that was checked");
    assert.equal(sink.mails[0].auth?.tls, true, "the password went over TLS");
});
