// monitoring.page, .history and .alerts: documented defaults, every bad value refused with a
// field-named line, the channels' secrets required when their channel is on (the webhook URL
// checked without ever being printed) and handed to the server only as a quiet command's secret
// stdin; the page's nginx location allows exactly loopback and server.adminCidrs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../config/validate";
import { decodeBundle } from "../../render/bundle";
import { record } from "../../tools/record";
import { isSecret, prodConfig, recordProgram, reveal, stackConfig } from "../support/program";
import { problems } from "../support/config-problems";

const alerts = (a: Record<string, unknown>) => ({ monitoring: { alerts: a } });
const email = { enabled: true, host: "smtp.example.com", from: "platform@example.com", to: ["ops@example.com"] };

test("defaults: the page on, 14 days within 5 MB of history, no channel, red after 2 runs and back after 2", () => {
    const m = validateConfig({}).monitoring;
    assert.deepEqual(m.page, { enabled: true, port: 9443 });
    assert.deepEqual(m.history, { days: 14, maxMb: 5 });
    assert.deepEqual(
        { ...m.alerts, webhook: m.alerts.webhook, email: m.alerts.email },
        { redAfterRuns: 2, greenAfterRuns: 2, heartbeat: false, heartbeatHourUtc: 8, timeoutSeconds: 10, webhook: { enabled: false, format: "generic" }, email: { enabled: false, port: 587, security: "starttls", to: [] } },
    );
});

test("each bad alert or history value is one FIELD: PROBLEM (got VALUE) line", () => {
    const cases: [unknown, string][] = [
        [alerts({ webhook: { format: "teams" } }), 'monitoring.alerts.webhook.format: must be one of: "generic", "slack", "discord", "ntfy" (got "teams")'],
        [alerts({ webhook: { enabled: true, format: "ntfy" } }), "monitoring.alerts.webhook.topic: is required with format ntfy (the topic to publish to, with a random part: alerts-$(openssl rand -hex 16)) (got nothing)"],
        [alerts({ webhook: { topic: "ops" } }), 'monitoring.alerts.webhook.topic: is only used with format ntfy; remove it or set format: ntfy (got "ops")'],
        [alerts({ webhook: { format: "ntfy", topic: "a b" } }), 'monitoring.alerts.webhook.topic: must be an ntfy topic: 1-64 letters, digits, _ and - (got "a b")'],
        [alerts({ email: { ...email, from: "root\nBcc: x@y.z" } }), 'monitoring.alerts.email.from: must be an email address (got "root\\nBcc: x@y.z")'],
        [alerts({ email: { ...email, to: ["ops@example.com", "nobody"] } }), 'monitoring.alerts.email.to[1]: must be an email address (got "nobody")'],
        [alerts({ email: { ...email, host: "smtp example" } }), 'monitoring.alerts.email.host: must be a lower-case DNS name such as smtp.example.com or an IPv4 address (got "smtp example")'],
        [alerts({ email: { ...email, username: 'a"b' } }), 'monitoring.alerts.email.username: must be 1-256 letters, digits and . _ @ + = : - (got "a\\"b")'],
        [alerts({ email: { ...email, port: 465 } }), 'monitoring.alerts.email.security: is starttls but port 465 is SMTP over TLS from the first byte; set security: tls (or port 587 for STARTTLS) (got "starttls")'],
        [alerts({ email: { enabled: true } }), "monitoring.alerts.email.host: is required when email alerts are enabled (your SMTP relay, e.g. smtp.example.com) (got nothing)"],
        [alerts({ email: { enabled: true } }), "monitoring.alerts.email.to: is empty: nobody would get the alerts; add at least one address (got [])"],
        [alerts({ heartbeat: true }), "monitoring.alerts.heartbeat: is true but no channel is enabled (monitoring.alerts.webhook or .email); nobody would hear it (got true)"],
        [alerts({ redAfterRuns: 0 }), "monitoring.alerts.redAfterRuns: must be at least 1 (got 0)"],
        [alerts({ heartbeatHourUtc: 24 }), "monitoring.alerts.heartbeatHourUtc: must be at most 23 (got 24)"],
        [{ monitoring: { enabled: false, alerts: { email } } }, "monitoring.alerts.email.enabled: is true but monitoring.enabled is false: the status job sends the alerts; enable monitoring or turn the channel off (got true)"],
        [{ monitoring: { history: { days: 0 } } }, "monitoring.history.days: must be at least 1 (got 0)"],
        [{ monitoring: { history: { maxMb: 500 } } }, "monitoring.history.maxMb: must be at most 100 (got 500)"],
        [{ monitoring: { page: { enabled: "yes" } } }, 'monitoring.page.enabled: must be a boolean (got "yes")'],
    ];
    for (const [raw, line] of cases) assert.ok(problems(raw).includes(line), `expected:\n${line}\ngot:\n${problems(raw).join("\n")}`);
    assert.deepEqual(problems(alerts({ webhook: { enabled: true, format: "ntfy", topic: "mhylle-alerts-9c41f07e2b6d83a5e0f4c7b1" }, email: { ...email, port: 465, security: "tls", username: "apikey" }, heartbeat: true })), []);
});

const hookUrl = "https://hooks.example.com/services/T000/B000/s3cr3t-t0ken";
const withAlerts = { ...prodConfig(), ...alerts({ webhook: { enabled: true }, email: { ...email, username: "apikey" } }) };

async function refusal(raw: Record<string, unknown>, secrets: Record<string, string>): Promise<string> {
    const { program } = await import("../../stacks/program");
    let refused: any;
    await record(raw, () => program().catch((e: unknown) => (refused = e)), { secrets: { sshPrivateKey: "k", ...secrets } });
    assert.ok(refused, "refused");
    return refused.message;
}

test("a channel without its secret is refused naming the secret key and the command that sets it", async () => {
    const message = await refusal(withAlerts, {});
    assert.match(message, /^alertWebhookUrl: is required when monitoring\.alerts\.webhook\.enabled is true; run: pulumi config set --secret alertWebhookUrl https:\/\/\.\.\. \(got nothing\)$/m);
    assert.match(message, /^alertSmtpPassword: is required when monitoring\.alerts\.email\.username is set; run: pulumi config set --secret alertSmtpPassword <password> \(got nothing\)$/m);
});

test("a webhook URL that is not https is refused without being printed", async () => {
    const message = await refusal(withAlerts, { alertWebhookUrl: "http://hooks.example.com/t0ken-in-clear", alertSmtpPassword: "pw" });
    assert.match(message, /^alertWebhookUrl: must be an https:\/\/ URL without spaces .* \(got "\[secret\]"\)$/m);
    assert.ok(!message.includes("t0ken-in-clear"));
});

test("the secrets reach the server only as a quiet command's secret stdin, and appear nowhere else", async () => {
    const r = await recordProgram(withAlerts, { sshPrivateKey: "k", alertWebhookUrl: hookUrl, alertSmtpPassword: "smtp-s3cret-pw" });
    const cmd = r.byName("monitoring-alert-secrets");
    assert.ok(isSecret(cmd.inputs.stdin));
    assert.equal(cmd.inputs.logging, "none");
    const lines = String(reveal(cmd.inputs.stdin)).trim().split("\n");
    assert.deepEqual(lines, [`webhook_url=${Buffer.from(hookUrl).toString("base64")}`, `smtp_password=${Buffer.from("smtp-s3cret-pw").toString("base64")}`]);
    const elsewhere = JSON.stringify(r.resources.filter((x) => x.name !== "monitoring-alert-secrets").map((x) => reveal(x.inputs)));
    for (const s of ["s3cr3t-t0ken", "smtp-s3cret-pw", Buffer.from(hookUrl).toString("base64")]) assert.ok(!elsewhere.includes(s), `${s} leaked`);
    // Without a channel, no command at all.
    const plain = await recordProgram(prodConfig());
    assert.ok(!plain.resources.some((x) => x.name === "monitoring-alert-secrets"));
});

/** The rendered status page server (its own origin) of a config, and the apps' https.conf. */
async function httpsConf(raw: Record<string, unknown>) {
    const r = await recordProgram(raw);
    const files = decodeBundle(r.byName("proxy-config").inputs.stdin as string);
    const file = (p: string) => files.find((f) => f.path === p)?.content ?? "";
    return { conf: file("nginx/servers/status-page.conf"), apps: file("nginx/servers/https.conf"), files: files.map((f) => f.path), r };
}

test("prod: the status origin allows loopback and the admin CIDR only; nginx mounts the page folder read-only", async () => {
    const { conf, apps, files, r } = await httpsConf(prodConfig());
    assert.deepEqual(conf.match(/(allow|deny) [^;]+;/g), ["allow 127.0.0.1;", "allow ::1;", "allow 51.159.0.10/32;", "deny all;"]);
    assert.match(conf, /listen 8443 ssl default_server reuseport;/);
    assert.match(conf, /include snippets\/status-page-headers\.conf;/);
    assert.match(conf, /alias \/usr\/share\/nginx\/status-page\/;/);
    assert.doesNotMatch(apps, /status/, "the apps' origin has no status location");
    assert.ok(files.includes("nginx/snippets/status-page-headers.conf"));
    const mounts = (r.byName("mhylle-nginx-server").inputs.volumes as any[]).filter((v) => v.containerPath === "/usr/share/nginx/status-page");
    assert.deepEqual(mounts, [{ hostPath: "/opt/platform/status-page", containerPath: "/usr/share/nginx/status-page", readOnly: true }]);
    const ports = (r.byName("mhylle-nginx").inputs.ports as any[]).map((p) => `${p.ip}:${p.external}->${p.internal}`);
    assert.deepEqual(ports, ["0.0.0.0:80->80", "0.0.0.0:443->443", "0.0.0.0:9443->8443"]);
    // Scaleway's firewall opens the page's port to the admin range alone (Docker's ports pass UFW by).
    const rules = (r.byName("server-firewall").inputs.inboundRules as any[]).filter((x) => x.port === 9443).map((x) => x.ipRange);
    assert.deepEqual(rules, ["51.159.0.10/32"]);
});

test("an admin range is written as its network; one opened to the whole internet never opens the page", async () => {
    const local = await httpsConf({ ...stackConfig("local"), server: { adminCidrs: ["198.51.99.3/24"] } });
    assert.match(local.conf, /allow 198\.51\.99\.0\/24;/);
    const open = await httpsConf({ ...prodConfig(), server: { ...(prodConfig().server as object), adminCidrs: ["51.159.0.10/32", "0.0.0.0/0"], sshOpenToInternet: true } });
    assert.match(open.conf, /allow 51\.159\.0\.10\/32;/);
    assert.doesNotMatch(open.conf, /allow 0\.0\.0\.0\/0;/);
});

test("monitoring.page.enabled false: no location, no page snippets (the folder stays mounted: no nginx replacement)", async () => {
    const { conf, apps, files, r } = await httpsConf({ ...prodConfig(), monitoring: { page: { enabled: false } } });
    assert.equal(conf, "");
    assert.doesNotMatch(apps, /status/);
    assert.ok(!(r.byName("mhylle-nginx").inputs.ports as any[]).some((p) => p.internal === 8443), "its port is not published");
    assert.ok(!files.some((f) => f.includes("status-page")));
    assert.ok((r.byName("mhylle-nginx-server").inputs.volumes as any[]).some((v) => v.containerPath === "/usr/share/nginx/status-page"));
});
