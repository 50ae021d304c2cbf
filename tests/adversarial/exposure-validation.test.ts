// What validation refuses so that nothing a config value says reaches this server's own services,
// its cloud's metadata endpoint or a private network through the alert channels, and so that no
// Docker gateway (where Docker's userland proxy makes clients come from) is ever trusted:
// each refusal is one FIELD: PROBLEM (got VALUE) line, the webhook URL never printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { record } from "../../tools/record";
import { prodConfig } from "../support/program";
import { problems, refuses } from "../support/config-problems";
import { renderStack } from "../support/render";
import { tempDirs } from "../support/tmp";

const tmp = tempDirs();
const email = { enabled: true, host: "smtp.example.com", from: "platform@example.com", to: ["ops@example.com"] };
const smtpHost = (host: string) => ({ ...prodConfig(), monitoring: { alerts: { email: { ...email, host } } } });
const local = (extra: Record<string, unknown>) => ({ target: "local", ...extra });

test("an SMTP relay on this server, a private network or the metadata service is refused", () => {
    for (const host of ["169.254.169.254", "127.0.0.1", "10.1.2.3", "172.17.0.1", "192.168.1.10", "100.64.0.1", "0.0.0.0", "mail.localhost", "metadata.google.internal"])
        refuses(smtpHost(host), "monitoring.alerts.email.host", /names this machine or an internal network|is not a public address: .* the status job never sends to this server, a private network or the metadata service/);
    assert.deepEqual(problems(smtpHost("smtp.example.com")), []);
    assert.deepEqual(problems(smtpHost("198.51.99.10")), []);
});

test("proxy.bindAddress: an IPv6 address (every client would come from Docker's gateway) is refused; IPv4 is not", () => {
    for (const bind of ["::", "2001:db8::1", "::ffff:203.0.113.5"]) refuses({ proxy: { bindAddress: bind } }, "proxy.bindAddress", /is an IPv6 address: Docker forwards IPv6 connections .* through its userland proxy, so every client would reach nginx from the network's gateway/);
    assert.deepEqual(problems({ proxy: { bindAddress: "0.0.0.0" } }), []);
    assert.deepEqual(problems({ proxy: { bindAddress: "127.0.0.1" } }), []);
});

test("the status page's allow list: no admin range that holds Docker's bridge networks or their gateways", () => {
    for (const cidr of ["172.17.0.1/32", "172.17.0.0/16", "192.168.0.0/16", "10.213.0.0/16", "::ffff:172.18.0.1/128", "fd00::/64", "fe80::1/128"])
        refuses(local({ server: { adminCidrs: [cidr] } }), "server.adminCidrs[0]", /shares addresses with .*, where Docker's bridge networks and their gateways live: the status page would be open to every connection Docker's proxy forwards/);
    // A range the page leaves out anyway (wider than /16 or /48: sshOpenToInternet's), and the page turned off, are fine.
    assert.deepEqual(problems(local({ server: { adminCidrs: ["0.0.0.0/0", "172.16.0.0/12"] } })), []);
    assert.deepEqual(problems(local({ server: { adminCidrs: ["172.17.0.1/32"] }, monitoring: { page: { enabled: false } } })), []);
    assert.deepEqual(problems(local({ server: { adminCidrs: ["127.0.0.2/32", "198.51.99.7/32"] } })), []);
});

test("the status page's port is an origin of its own: never one the apps are served on", () => {
    refuses({ proxy: { httpsPort: 8443 }, monitoring: { page: { port: 8443 } } }, "monitoring.page.port", /equals proxy\.httpsPort: the status page has an origin of its own/);
    refuses({ monitoring: { page: { port: 80 } } }, "monitoring.page.port", /equals proxy\.httpPort/);
});

test("npm run render exits 2 on such a value, naming the field, and writes nothing", () => {
    const file = path.join(tmp(path.join(os.tmpdir(), "exposure-")), "Pulumi.exposure.yaml");
    fs.writeFileSync(file, 'config:\n  mhylle-platform:target: local\n  mhylle-platform:proxy:\n    bindAddress: "::"\n');
    const r = renderStack(["--config", file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^proxy\.bindAddress: is an IPv6 address: .* \(got "::"\)$/m);
    assert.equal(fs.existsSync(path.join(r.out, "resources.json")), false);
});

async function refusal(url: string): Promise<string> {
    const { program } = await import("../../stacks/program");
    let refused: any;
    const raw = { ...prodConfig(), monitoring: { alerts: { webhook: { enabled: true } } } };
    await record(raw, () => program().catch((e: unknown) => (refused = e)), { secrets: { sshPrivateKey: "k", alertWebhookUrl: url } });
    assert.ok(refused, `${JSON.stringify(url)} was accepted`);
    return refused.message;
}

test("a webhook URL with user:pass@, a control character, plain http or a host that is not public is refused, never printed", async () => {
    const token = "s3cr3t-t0ken-4f2a";
    const cases: [string, RegExp][] = [
        [`https://alerts:${token}@hooks.example.com/x`, /holds a user name or password before the host/],
        [`https://hooks.example.com/services/${token}\n`, /holds a space or a control character/],
        [`https://hooks.example.com/services/\t${token}`, /holds a space or a control character/],
        [`http://hooks.example.com/services/${token}`, /must be an https:\/\/ URL/],
        [`https://169.254.169.254/latest/${token}`, /169\.254\.169\.254 is in 169\.254\.0\.0\/16, link-local/],
        [`https://2852039166/${token}`, /169\.254\.169\.254 is in 169\.254\.0\.0\/16/],
        [`https://0251.0376.0251.0376/${token}`, /169\.254\.169\.254 is in 169\.254\.0\.0\/16/],
        [`https://0xa9fea9fe/${token}`, /169\.254\.169\.254 is in 169\.254\.0\.0\/16/],
        [`https://[::ffff:169.254.169.254]/${token}`, /is IPv4 169\.254\.169\.254 is in 169\.254\.0\.0\/16/],
        [`https://[fd00:ec2::254]/${token}`, /is in fc00::\/7/],
        [`https://[::1]:8443/${token}`, /the unspecified or loopback address/],
        [`https://127.1/${token}`, /127\.0\.0\.1 is in 127\.0\.0\.0\/8/],
        [`https://localhost/${token}`, /names this machine or an internal network/],
        [`https://metadata.google.internal/${token}`, /names this machine or an internal network/],
    ];
    for (const [url, says] of cases) {
        const message = await refusal(url);
        const line = message.split("\n").find((l) => l.startsWith("alertWebhookUrl: "));
        assert.ok(line, `no alertWebhookUrl line for ${JSON.stringify(url)}:\n${message}`);
        assert.match(line, says);
        assert.match(line, /\(got "\[secret\]"\)$/);
        assert.ok(!message.includes(token), `the token is printed for ${JSON.stringify(url)}`);
    }
});
