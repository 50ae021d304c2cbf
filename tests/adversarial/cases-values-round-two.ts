// The values of the second round (issue 23 item 15): each would have reached another app, the host
// or a secret, and is refused with exit 2 naming the field, the bad value (never a secret's) and
// the fix; beside each, the accepted value it is told apart from.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { accept, app, Case, local, refuse, scaleway, withService } from "./case";
import { TEST_DEPLOY_PRIVATE_KEY } from "../support/prod-stack";
import { tempDirs } from "../support/tmp";
import { MOCK_CA } from "../../tools/mock-outputs";

/** Files a caFile case points at, made once for the file that runs the cases. */
const dir = tempDirs()(path.join(os.tmpdir(), "values-round-two-"));
const put = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text), path.join(dir, name));
export const CA_FILES = {
    ca: put("ca.pem", MOCK_CA),
    key: put("deploy-key", TEST_DEPLOY_PRIVATE_KEY),
    certAndKey: put("bundle.pem", MOCK_CA + TEST_DEPLOY_PRIVATE_KEY),
    passwd: put("passwd", "root:x:0:0:root:/root:/bin/bash\n"),
    big: put("big.pem", MOCK_CA + `-----BEGIN CERTIFICATE-----\n${"QUFB\n".repeat(20000)}-----END CERTIFICATE-----\n`),
    missing: path.join(dir, "nothing-here.pem"),
    fifo: path.join(dir, "fifo.pem"),
};
// A FIFO: reading it would block `up` forever; the check looks before it reads.
spawnSync("mkfifo", [CA_FILES.fifo]);

const standIn = (caFile: string) => local({ local: { managedDatabase: { host: "127.0.0.1", caFile } } });
const lbPort = (backendPort: number) => local({ loadBalancer: { backendPort } });
const trusted = (...loadBalancerAddresses: string[]) => local({ local: { loadBalancerAddresses } });
const offsite = (bucket: string) => scaleway({ backups: { offsite: { enabled: true, bucket } } });
const ntfy = (topic: string) => local({ monitoring: { alerts: { webhook: { enabled: true, format: "ntfy", topic } } } });
const env = (service: "frontend" | "backend", key: string, value: string) => local({ apps: [withService("app1", service, { env: { [key]: value } })] });
const secretEnv = (map: Record<string, string>) => local({ apps: [withService("app1", "backend", { secretEnv: map })] });
const apps = (...names: string[]) => local({ apps: names.map((n) => app(n)) });
const HIDDEN = /\(got "\[secret\]"\)$/;

const ports: Case[] = [
    refuse("values", "the load balancer's listener on SSH's port 22", lbPort(22), "loadBalancer.backendPort", /is the port of SSH on the server; .* pick a free port of 1024 or above, such as 8080/),
    refuse("values", "the listener on PostgreSQL's 5432", lbPort(5432), "loadBalancer.backendPort", /is the port of PostgreSQL/),
    refuse("values", "the listener on Docker's API port 2375", lbPort(2375), "loadBalancer.backendPort", /Docker's API/),
    refuse("values", "the listener on the PostgreSQL exporter's 9187", lbPort(9187), "loadBalancer.backendPort", /the PostgreSQL exporter/),
    refuse("values", "the listener on a system port", lbPort(1000), "loadBalancer.backendPort", /is a system port \(below 1024\)/),
    refuse("values", "the listener on nginx's HTTPS port", lbPort(443), "loadBalancer.backendPort", /collides with one of nginx's own ports/),
    refuse(
        "values",
        "a local server's listener published on PostgreSQL's port",
        local({ local: { servers: [{ dockerHost: "unix:///run/d1.sock", dataDir: "/var/tmp/g1", backendPort: 19081 }, { dockerHost: "unix:///run/d2.sock", dataDir: "/var/tmp/g2", backendPort: 5432 }] } }),
        "local.servers[1].backendPort",
        /is the port of PostgreSQL/,
    ),
    refuse("values", "nginx's HTTP published over SSH", local({ proxy: { httpPort: 22 } }), "proxy.httpPort", /is the port of SSH on the server; Docker would publish nginx over it/),
    refuse("values", "nginx's HTTPS published over PostgreSQL", local({ proxy: { httpsPort: 5432 } }), "proxy.httpsPort", /is the port of PostgreSQL/),
    accept("values", "the listener on a free high port", lbPort(8090)),
];

const names: Case[] = [
    refuse("values", "an app named like another app's database network (app1-database)", apps("app1", "app1-database"), "apps[1].name", /its network app1-database-network is app app1's database network/),
    refuse("values", "the same clash with the apps the other way round", apps("app1-database", "app1"), "apps[1].name", /its database network app1-database-network is app app1-database's network/),
    refuse("values", "an app whose role is another app's database (app1-db)", apps("app1", "app1-db"), "apps[1].name", /its database role app1_db is app app1's database/),
    refuse("values", "an app whose role is the exporter's (platform-monitor)", apps("platform-monitor"), "apps[0].name", /its database role platform_monitor is a platform role or database/),
    accept("values", "apps whose names share a start but no derived name (app1, app1-web)", apps("app1", "app1-web")),
];

const buckets: Case[] = [
    ...(
        [
            ["an IP address", "192.168.10.20", /formatted as an IP address/],
            ["two dots in a row", "my..backups", /two dots in a row/],
            ["the xn-- prefix", "xn--backups", /prefix S3 reserves/],
            ["a hyphen before a dot", "my-.backups", /dot next to a hyphen/],
            ["a dot before a hyphen", "my.-backups", /dot next to a hyphen/],
            ["the -s3alias suffix", "backups-s3alias", /suffix S3 reserves/],
            ["the --ol-s3 suffix", "backups--ol-s3", /suffix S3 reserves/],
            ["two characters", "ab", /is 2 characters; a bucket name has 3 to 63/],
            ["64 characters", "b".repeat(64), /is 64 characters/],
            ["upper case", "Mhylle-Backups", /only lower-case letters/],
            ["a dot (HTTPS to the bucket breaks)", "mhylle.backups", /has a dot, which breaks HTTPS/],
        ] as const
    ).map(([what, bucket, says]) => refuse("values", `a bucket name with ${what}`, offsite(bucket), "backups.offsite.bucket", says)),
];

const caFiles: Case[] = [
    refuse("values", "a CA file that does not exist (no stack trace)", standIn(CA_FILES.missing), "local.managedDatabase.caFile", /does not exist or cannot be read on this machine; give the stand-in's CA certificate/),
    refuse(
        "values",
        "a CA file that does not exist, with the stand-in in use (was a stack trace from readFileSync)",
        local({ database: { managed: { enabled: true } }, local: { managedDatabase: { host: "127.0.0.1", caFile: CA_FILES.missing } } }),
        "local.managedDatabase.caFile",
        /does not exist or cannot be read/,
        ["managedDatabaseAdminPassword"],
    ),
    refuse("values", "the deploy key as the CA file (into state)", standIn(CA_FILES.key), "local.managedDatabase.caFile", /holds a private key, which would go into Pulumi state/),
    refuse("values", "a certificate with a private key after it", standIn(CA_FILES.certAndKey), "local.managedDatabase.caFile", /holds a private key/),
    refuse("values", "a system file as the CA file", standIn(CA_FILES.passwd), "local.managedDatabase.caFile", /does not start with a PEM certificate/),
    refuse("values", "a CA file larger than a CA bundle", standIn(CA_FILES.big), "local.managedDatabase.caFile", /bytes, more than a CA bundle's 65536/),
    refuse("values", "a FIFO as the CA file (would block)", standIn(CA_FILES.fifo), "local.managedDatabase.caFile", /is not a regular file/),
    refuse("values", "a device as the CA file", standIn("/dev/zero"), "local.managedDatabase.caFile", /is not a regular file/),
    accept("values", "a PEM certificate as the CA file", standIn(CA_FILES.ca)),
];

const proxyPeers: Case[] = [
    refuse("values", "every IPv4 address trusted to name the client", trusted("0.0.0.0/0"), "local.loadBalancerAddresses[0]", /trusts every address to say who the client is/),
    refuse("values", "every IPv6 address trusted to name the client", trusted("127.0.0.1", "::/0"), "local.loadBalancerAddresses[1]", /trusts every address/),
    refuse("values", "a private range wider than /16", trusted("10.0.0.0/8"), "local.loadBalancerAddresses[0]", /a range wider than \/16/),
    refuse("values", "a public range", trusted("203.0.113.0/24"), "local.loadBalancerAddresses[0]", /outside loopback and private ranges/),
    refuse("values", "a public address", trusted("8.8.8.8"), "local.loadBalancerAddresses[0]", /outside loopback and private ranges/),
    accept("values", "the load balancer's private range and loopback", trusted("127.0.0.1", "10.213.0.0/16", "fd00:1::/64")),
];

const topics: Case[] = [
    refuse("values", "an ntfy topic named after the platform", ntfy("mhylle-alerts"), "monitoring.alerts.webhook.topic", /is guessable: on a public ntfy server anyone who knows the topic reads every alert/, ["alertWebhookUrl"]),
    refuse("values", "an ntfy topic of words and a year", ntfy("mhylle2026productionalerts"), "monitoring.alerts.webhook.topic", /is guessable/, ["alertWebhookUrl"]),
    refuse("values", "a long ntfy topic of one repeated word", ntfy("alerts-alertsalertsalertsalerts"), "monitoring.alerts.webhook.topic", /openssl rand -hex 16/, ["alertWebhookUrl"]),
    accept("values", "an ntfy topic with a generated part", ntfy("alerts-9c41f07e2b6d83a5e0f4c7b1d2a63e58"), undefined, ["alertWebhookUrl"]),
];

const envSecrets: Case[] = [
    refuse("values", "a password in a backend's plain env (not echoed)", env("backend", "SMTP_PASSWORD", "hunter2hunter2"), "apps[0].backend.env.SMTP_PASSWORD", /is named like a secret .* move it to secretEnv: set it with pulumi config set --secret <configKey> <value>, then secretEnv: \{ SMTP_PASSWORD: <configKey> \} \(got "\[secret\]"\)$/),
    refuse("values", "an API key in a frontend's plain env", env("frontend", "MAPS_API_KEY", "abc123"), "apps[0].frontend.env.MAPS_API_KEY", HIDDEN),
    refuse("values", "a session secret in plain env", env("backend", "SESSION_SECRET", "changeme"), "apps[0].backend.env.SESSION_SECRET", HIDDEN),
    refuse("values", "a URL with a password under an innocent name", env("backend", "CACHE", "redis://:s3cr3t@cache:6379/0"), "apps[0].backend.env.CACHE", /is a URL with a password in it.*\(got "\[secret\]"\)$/),
    refuse("values", "a GitHub token under an innocent name", env("backend", "UPSTREAM", "ghp_0123456789abcdefghijABCDEFGHIJ012345"), "apps[0].backend.env.UPSTREAM", /known token or key format.*\(got "\[secret\]"\)$/),
    refuse("values", "a generated token under an innocent name", env("backend", "SESSION", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg"), "apps[0].backend.env.SESSION", /looks like a generated token.*\(got "\[secret\]"\)$/),
    refuse("values", "a secretEnv naming the off-site secret key", secretEnv({ API_TOKEN: "backupSecretKey" }), "apps[0].backend.secretEnv.API_TOKEN", /names the platform's secret backupSecretKey; .*pulumi config set --secret app1ApiToken <value>/),
    refuse("values", "a secretEnv overriding the database URL", secretEnv({ DATABASE_URL: "app1DbUrl" }), "apps[0].backend.secretEnv.DATABASE_URL", /set by the platform/, ["app1DbUrl"]),
    refuse("values", "a secretEnv whose key is not set", secretEnv({ API_TOKEN: "app1ApiToken" }), "apps[0].backend.secretEnv.API_TOKEN", /names the secret config key app1ApiToken, which is not set; run: pulumi config set --secret app1ApiToken <value>/),
    refuse(
        "values",
        "a secretEnv's value written in plain text in the stack file (not echoed)",
        { ...secretEnv({ API_TOKEN: "app1ApiToken" }), app1ApiToken: "tok-plain-text-value" },
        "app1ApiToken",
        /is a secret written in plain text; .*pulumi config set --secret app1ApiToken <value> \(got "\[secret\]"\)$/,
    ),
    accept("values", "env that only looks alike (a TTL, a public key, a file path, a commit)", local({
        apps: [withService("app1", "backend", { env: { TOKEN_TTL_SECONDS: "3600", VAPID_PUBLIC_KEY: "BPub", DB_PASSWORD_FILE: "/run/secrets/db", BUILD_SHA: "3f9a0c2e7b1d4f6a8c0e2b4d6f8a0c1e3f9a0c2e" } })],
    })),
    accept(
        "values",
        "a secret variable from secretEnv: in the env file only, encrypted in state",
        local({ apps: [withService("app1", "frontend", { env: { GREETING: "hello" }, secretEnv: { API_TOKEN: "app1ApiToken" } })] }),
        (r) => {
            const inputs = r.inputs("app1-frontend-release");
            // The frontend's env was plain before: with a secret variable in it, the whole env file is a secret.
            assert.equal(inputs.stdin, "[secret]");
        },
        ["app1ApiToken"],
    ),
];

const healthPaths: Case[] = [
    refuse("values", "a backend health path that climbs into another app's probe", local({ apps: [withService("app1", "backend", { healthPath: "/../app2_backend_blue/health" }), app("app2")] }), "apps[0].backend.healthPath", /has a \. or \.\. segment or \/\/, which the health probe resolves to another path/),
    refuse("values", "a frontend health path with a . segment", local({ apps: [withService("app1", "frontend", { healthPath: "/./health" })] }), "apps[0].frontend.healthPath", /segment/),
    refuse("values", "a health path with //", local({ apps: [withService("app1", "backend", { healthPath: "/x//health" })] }), "apps[0].backend.healthPath", /segment or \/\//),
    accept("values", "a health path with dots inside names", local({ apps: [withService("app1", "backend", { healthPath: "/v1.2/health..check" })] })),
];

const forwardedProto: Case[] = [
    accept(
        "values",
        "letsEncrypt false behind the load balancer: apps are told http",
        scaleway({ server: { count: 2 }, database: { managed: { enabled: true } }, loadBalancer: { letsEncrypt: false } }),
        (r) => assert.match(proxyNginxConf(r), /map \$server_port \$platform_forwarded_proto \{\n\s+8080 http;/),
    ),
    accept(
        "values",
        "letsEncrypt true behind the load balancer: apps are told https",
        scaleway({ server: { count: 2 }, database: { managed: { enabled: true } } }),
        (r) => assert.match(proxyNginxConf(r), /map \$server_port \$platform_forwarded_proto \{\n\s+8080 https;/),
    ),
];

/** nginx.conf of the first server, from the proxy config command's bundle. */
export function proxyNginxConf(r: { out: string }): string {
    const files = fs.readdirSync(path.join(r.out, "files"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("nginx/nginx.conf"));
    assert.ok(files.length, "no nginx.conf rendered");
    return fs.readFileSync(path.join(r.out, "files", files.sort()[0]), "utf8");
}

/** The cases the battery runs too (its database check runs the container PostgreSQL's scripts, which a managed-database fleet does not render). */
export const VALUES_ROUND_TWO_CASES: Case[] = [...ports, ...names, ...buckets, ...caFiles, ...proxyPeers, ...topics, ...envSecrets, ...healthPaths];
/** Several servers behind the load balancer (with the managed database). */
export const VALUES_ROUND_TWO_FLEET_CASES: Case[] = forwardedProto;
