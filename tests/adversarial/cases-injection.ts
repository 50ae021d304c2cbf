// Cases of the classes where a value reaches a language (shell, crontab, SQL) or a secret: registry
// credentials, the local data folder, PostgreSQL names, the release's 5xx gate.
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { accept, app, Case, local, refuse, scaleway } from "./case";
import { TEST_AGE_RECIPIENT, TEST_DEPLOY_PRIVATE_KEY } from "../support/prod-stack";

const ROOT = path.resolve(__dirname, "../..");
const cred = (server: string, tokenKey: string, username = "mhylle") => ({ server, username, tokenKey });
const registries = (...credentials: object[]) => ({ registries: { credentials } });
const CRED = "registries.credentials";
const ALERT_EMAIL = { enabled: true, host: "smtp.example.com", from: "platform@example.com", to: ["ops@example.com"] };

const credentials: Case[] = [
    refuse("credentials", "a token key naming the SSH private key", local(registries(cred("ghcr.io", "sshPrivateKey"))), `${CRED}[0].tokenKey`, /the platform's secret sshPrivateKey; a registry token needs a secret key of its own/),
    refuse("credentials", "a token key naming the off-site access key", local(registries(cred("ghcr.io", "backupAccessKey"))), `${CRED}[0].tokenKey`, /backupAccessKey/),
    refuse("credentials", "a token key naming the off-site secret key", local(registries(cred("ghcr.io", "backupSecretKey"))), `${CRED}[0].tokenKey`, /backupSecretKey/),
    refuse("credentials", "the SSH key under another spelling", local(registries(cred("ghcr.io", "SSHPRIVATEKEY"))), `${CRED}[0].tokenKey`, /sshPrivateKey/),
    refuse("credentials", "a token key naming a config field", local(registries(cred("ghcr.io", "domain"))), `${CRED}[0].tokenKey`, /the config field domain/),
    refuse("credentials", "two registries sharing one token key", local(registries(cred("ghcr.io", "ghcrToken"), cred("quay.io", "ghcrToken"))), `${CRED}[1].tokenKey`, /the token of registries\.credentials\[0\]/, ["ghcrToken"]),
    refuse("credentials", "two registries sharing one token key in other case", local(registries(cred("ghcr.io", "ghcrToken"), cred("quay.io", "GhcrToken"))), `${CRED}[1].tokenKey`, /the token of registries\.credentials\[0\]/, ["ghcrToken", "GhcrToken"]),
    refuse("credentials", "a registry host docker would read as an option", local(registries(cred("-H", "ghcrToken"))), `${CRED}[0].server`, /registry host/, ["ghcrToken"]),
    refuse("credentials", "a registry user name docker would read as an option", local(registries(cred("ghcr.io", "ghcrToken", "--password=x"))), `${CRED}[0].username`, /not starting with -/, ["ghcrToken"]),
    refuse(
        "credentials",
        "the SSH private key in plain text in the stack file (never echoed back)",
        `config:\n  mhylle-platform:target: local\n  mhylle-platform:sshPrivateKey: |\n${TEST_DEPLOY_PRIVATE_KEY.trimEnd().split("\n").map((l) => `    ${l}`).join("\n")}\n`,
        "sshPrivateKey",
        /is a secret written in plain text; .*pulumi config set --secret sshPrivateKey <value> \(got "\[secret\]"\)$/,
    ),
    refuse(
        "credentials",
        "a registry token in plain text in the stack file",
        { ...local(registries(cred("ghcr.io", "ghcrToken"))), ghcrToken: "ghp_plaintexttoken" },
        "ghcrToken",
        /is a secret written in plain text.*\(got "\[secret\]"\)$/,
    ),
    refuse("credentials", "a token key whose secret is not set", local(registries(cred("ghcr.io", "ghcrToken"))), `${CRED}[0].tokenKey`, /not set; run: pulumi config set --secret ghcrToken/),
    accept(
        "credentials",
        "two registries, each with its own token",
        local(registries(cred("ghcr.io", "ghcrToken"), cred("quay.io", "quayToken"))),
        (r) => {
            assert.match(r.script("registry-login-ghcr-io"), /docker login 'ghcr\.io' --username 'mhylle' --password-stdin/);
            assert.match(r.script("registry-login-quay-io"), /docker login 'quay\.io'/);
            assert.equal(r.inputs("registry-login-ghcr-io").stdin, "[secret]");
        },
        ["ghcrToken", "quayToken"],
    ),
    accept(
        "credentials",
        "hosts whose old resource names collided (ghcr.io and ghcr-io)",
        local(registries(cred("ghcr.io", "ghcrToken"), cred("ghcr-io", "otherToken"))),
        (r) => {
            assert.match(r.script("registry-login-ghcr-io"), /docker login 'ghcr\.io'/, "ghcr.io keeps the name it always had");
            const hashed = r.names().filter((n) => /^registry-login-ghcr-io_[0-9a-f]{8}$/.test(n));
            assert.equal(hashed.length, 1, r.names().join(", "));
            assert.match(r.script(hashed[0]), /docker login 'ghcr-io'/);
        },
        ["ghcrToken", "otherToken"],
    ),
    accept(
        "credentials",
        "a registry with a port beside a host with the same letters",
        local(registries(cred("localhost:5000", "localToken"), cred("localhost-5000", "otherToken"))),
        (r) => {
            const both = r.names().filter((n) => n.startsWith("registry-login-localhost-5000_"));
            assert.equal(both.length, 2, r.names().join(", "));
        },
        ["localToken", "otherToken"],
    ),
    refuse("credentials", "a token key naming the alert webhook URL", local(registries(cred("ghcr.io", "alertWebhookUrl"))), `${CRED}[0].tokenKey`, /the platform's secret alertWebhookUrl/),
    refuse("credentials", "the alert webhook URL (it holds a token) in plain text in the stack file", { ...local(), alertWebhookUrl: "https://hooks.example.com/services/T0/B0/plaintoken" }, "alertWebhookUrl", /is a secret written in plain text.*\(got "\[secret\]"\)$/),
    refuse("credentials", "an email header smuggled into an alert recipient", local({ monitoring: { alerts: { email: { ...ALERT_EMAIL, to: ["ops@example.com\r\nBcc: spy@evil.test"] } } } }), "monitoring.alerts.email.to[0]", /must be an email address/),
    accept(
        "credentials",
        "alerts by webhook and email, each secret its own key",
        local({ monitoring: { alerts: { webhook: { enabled: true }, email: { ...ALERT_EMAIL, username: "apikey" } } } }),
        (r) => {
            assert.equal(r.inputs("monitoring-alert-secrets").stdin, "[secret]");
            assert.equal(r.inputs("monitoring-alert-secrets").logging, "none");
        },
        ["alertWebhookUrl", "alertSmtpPassword"],
    ),
    accept(
        "credentials",
        "off-site backups with their identity beside a registry token",
        scaleway({ ...registries(cred("ghcr.io", "ghcrToken")), backups: { offsite: { enabled: true, bucket: "battery-backups", recipient: TEST_AGE_RECIPIENT } } }),
        (r) => {
            assert.equal(r.inputs("backups-offsite-credentials").stdin, "[secret]");
            assert.doesNotMatch(r.script("backups-offsite-credentials"), /battery-/);
        },
        ["ghcrToken", "backupIdentity"],
    ),
];

const home = process.env.HOME || os.homedir();
const dataDir = (dir: string, cron = true) => local({ local: { dataDir: dir, cron } });
const DATA = "local.dataDir";
const dataDirs: Case[] = [
    refuse("dataDir", "command substitution", dataDir("$(touch /tmp/pwned)"), DATA, /must be a plain path/),
    refuse("dataDir", "a newline that adds a crontab line", dataDir("data\n* * * * * rm -rf ~"), DATA, /must be a plain path/),
    refuse("dataDir", "a shell command after a semicolon", dataDir("/var/tmp/p; rm -rf /"), DATA, /must be a plain path/),
    refuse("dataDir", "cron's % (a newline in a crontab command)", dataDir("/var/tmp/a%b"), DATA, /must be a plain path/),
    refuse("dataDir", "a space", dataDir("/var/tmp/platform data"), DATA, /must be a plain path/),
    refuse("dataDir", "a tilde the shell would not expand", dataDir("~/platform"), DATA, /must be a plain path/),
    refuse("dataDir", "the root folder", dataDir("/"), DATA, /must be a plain path|the root folder/),
    refuse("dataDir", "/usr/local", dataDir("/usr/local"), DATA, /inside \/usr, a system folder/),
    refuse("dataDir", "/etc", dataDir("/etc"), DATA, /inside \/etc, a system folder/),
    refuse("dataDir", "a folder inside /usr", dataDir("/usr/local/platform"), DATA, /inside \/usr/),
    refuse("dataDir", "/opt itself", dataDir("/opt"), DATA, /shared with the rest of the machine/),
    refuse("dataDir", "/var/lib itself", dataDir("/var/lib"), DATA, /shared with the rest of the machine/),
    refuse("dataDir", "the home folder", dataDir(home), DATA, /your home folder|shared with the rest/),
    refuse("dataDir", "a parent of the project folder", dataDir(path.dirname(ROOT)), DATA, /parent of the project folder|shared|system/),
    refuse("dataDir", "the project folder itself (.)", dataDir("."), DATA, /must not contain \. or \.\./),
    refuse("dataDir", "a path through ..", dataDir("../elsewhere"), DATA, /must not contain \. or \.\./),
    refuse("dataDir", "a part starting with a hyphen (an option to rm)", dataDir("-rf"), DATA, /must be a plain path/),
    accept("dataDir", "an absolute folder of its own, with cron", dataDir("/var/tmp/battery-platform"), (r) => {
        assert.match(r.script("scheduler-jobs"), /'\/var\/tmp\/battery-platform\/bin\/run-job'/, "the crontab runner is quoted");
        assert.match(r.script("scheduler-jobs", "delete"), /^bin='\/var\/tmp\/battery-platform\/bin'$/m);
    }),
    accept("dataDir", "a relative folder with dots and a plus", dataDir("state+data/.platform.d"), (r) => {
        assert.match(r.script("scheduler-jobs"), new RegExp(`'${ROOT}/state\\+data/\\.platform\\.d/bin/run-job'`));
    }),
];

const pg = (name: string, says: RegExp) => refuse("postgresNames", `app name ${name}`, local({ apps: [app(name)] }), "apps[0].name", says);
const postgresNames: Case[] = [
    pg("pg-monitor", /PostgreSQL reserves names starting pg_/),
    pg("pg-write-server-files", /pg_/),
    pg("pg-read-all-data", /pg_/),
    pg("user", /reserved SQL key word/),
    pg("public", /a name PostgreSQL reserves/),
    pg("none", /a name PostgreSQL reserves/),
    pg("current-user", /role current_user, a reserved SQL key word/),
    pg("session-user", /reserved SQL key word/),
    pg("select", /reserved SQL key word/),
    pg("all", /reserved SQL key word/),
    pg("table", /reserved SQL key word/),
    accept("postgresNames", "app names next to reserved ones (pg, users, all-apps, my-app)", local({ apps: ["pg", "users", "all-apps", "my-app"].map((n) => app(n)), server: { memoryMb: 8192 } })),
];

/** Runs the rendered 5xx gate of a release with that many errors of total: true when it rolls back. */
export function gateRollsBack(release: string, errors: number, total: number): boolean {
    const lines = release.split("\n");
    const vars = lines.find((l) => l.startsWith("min_requests="));
    const gate = lines.find((l) => l.startsWith("too_many() {"));
    assert.ok(vars && gate, "the release script has its 5xx gate");
    const r = spawnSync("bash", ["-c", `set -euo pipefail\n${vars}\n${gate}\nif too_many ${total} ${errors}; then echo ROLLBACK; else echo KEPT; fi`], { encoding: "utf8" });
    assert.equal(r.stderr, "", `the gate runs cleanly: ${r.stderr}`);
    return r.stdout.includes("ROLLBACK");
}

const max5xx = (value: unknown) => local({ apps: [app("app1", { release: { max5xxPercent: value } })] });
const FIELD5XX = "apps[0].release.max5xxPercent";
const fiveXX: Case[] = [
    accept("max5xx", "0.5 percent", max5xx(0.5), (r) => {
        const release = r.script("app1-backend-release");
        assert.equal(gateRollsBack(release, 1, 100), true, "1% of 5xx is over 0.5%");
        assert.equal(gateRollsBack(release, 1, 300), false, "0.33% is under 0.5%");
        assert.equal(gateRollsBack(release, 1, 200), false, "exactly 0.5% is not over it");
    }),
    accept("max5xx", "0.01 percent", max5xx(0.01), (r) => {
        assert.equal(gateRollsBack(r.script("app1-backend-release"), 1, 5000), true);
        assert.equal(gateRollsBack(r.script("app1-backend-release"), 1, 20000), false);
    }),
    accept("max5xx", "99.99 percent", max5xx(99.99), (r) => {
        assert.equal(gateRollsBack(r.script("app1-frontend-release"), 9999, 10000), false);
        assert.equal(gateRollsBack(r.script("app1-frontend-release"), 10000, 10000), true);
    }),
    accept("max5xx", "0 percent: any 5xx rolls back", max5xx(0), (r) => assert.equal(gateRollsBack(r.script("app1-backend-release"), 1, 100000), true)),
    refuse("max5xx", "three decimals", max5xx(0.333), FIELD5XX, /at most two decimals/),
    refuse("max5xx", "a tiny fraction", max5xx(1e-7), FIELD5XX, /at most two decimals/),
    refuse("max5xx", "a negative limit", max5xx(-1), FIELD5XX, /at least 0/),
    refuse("max5xx", "over 100", max5xx(101), FIELD5XX, /at most 100/),
    refuse("max5xx", "a string", max5xx("0.5"), FIELD5XX, /must be a number/),
];

export const INJECTION_CASES: Case[] = [...credentials, ...dataDirs, ...postgresNames, ...fiveXX];
