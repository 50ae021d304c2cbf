// Cases whose every field looks valid but whose rendered artefact would be wrong (a header gone, a
// snippet overwritten, a cron line that never runs, a user name that turns boolean), bad stack
// files, and TLS.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accept, app, Case, local, refuse, scaleway, withService } from "./case";

const NGINX = "/opt/platform/nginx";
const csp = (value: string) => local({ proxy: { csp: value } });
const long = (n: number) => "default-src 'self' " + "a".repeat(n - "default-src 'self' ".length);
const label63 = "a".repeat(63);
const env = (key: string, value = "x") => local({ apps: [withService("app1", "backend", { env: { [key]: value } })] });

const headers: Case[] = [
    refuse("artefacts", "an empty platform CSP (nginx would drop the header)", csp(""), "proxy.csp", /is empty, which makes nginx drop the Content-Security-Policy header/),
    refuse("artefacts", "an app CSP of spaces", local({ apps: [app("app1", { proxy: { csp: "   " } })] }), "apps[0].proxy.csp", /is empty/),
    refuse("artefacts", "a CSP longer than nginx reads as one value", csp(long(5000)), "proxy.csp", /is 5000 characters; nginx reads at most about 4 KiB/),
    refuse("artefacts", "a CSP closing nginx's quotes", csp(`default-src 'self'"; return 200 "x`), "proxy.csp", /without "/),
    refuse("artefacts", "a CSP with an nginx variable", csp("default-src $host"), "proxy.csp", /without .*\$/),
    refuse("artefacts", "a CSP with a line break", csp("default-src 'self'\nadd_header X 1"), "proxy.csp", /printable ASCII/),
    accept("artefacts", "a CSP of 4000 characters", csp(long(4000)), (r) => {
        assert.ok(r.file(`${NGINX}/snippets/headers.conf`).includes(`add_header Content-Security-Policy "${long(4000)}" always;`));
    }),
    accept("artefacts", "apps named like platform snippets (http, headers, tls, proxy)", local({ apps: ["http", "headers", "tls", "proxy"].map((n) => app(n, { proxy: { csp: `default-src 'none'; report-uri /${n}` } })), server: { memoryMb: 8192 } }), (r) => {
        const http = r.file(`${NGINX}/snippets/headers-http.conf`);
        assert.doesNotMatch(http, /Strict-Transport-Security/, "port 80 still sends no HSTS");
        assert.doesNotMatch(http, /report-uri/, "and still the platform's CSP");
        assert.match(r.file(`${NGINX}/snippets/headers.conf`), /frame-ancestors 'none'/);
        assert.match(r.file(`${NGINX}/snippets/tls.conf`), /ssl_protocols/);
        assert.match(r.file(`${NGINX}/snippets/proxy.conf`), /proxy_set_header/);
        for (const n of ["http", "headers", "tls", "proxy"]) assert.match(r.file(`${NGINX}/snippets/apps/${n}-headers.conf`), new RegExp(`report-uri /${n}"`));
    }),
];

const cron = (section: string, field: string, value: string) => local({ [section]: { [field]: value } });
const schedules: Case[] = [
    refuse("artefacts", "minute 75", cron("backups", "schedule", "75 2 * * *"), "backups.schedule", /minute 75 is out of range 0-59/),
    refuse("artefacts", "a step of 0", cron("monitoring", "schedule", "*/0 * * * *"), "monitoring.schedule", /step 0 .* never advances/),
    refuse("artefacts", "a five-field Watchtower schedule", cron("autoUpdater", "schedule", "0 */6 * * *"), "autoUpdater.schedule", /has 5 fields but Watchtower's schedule takes 6/),
    refuse("artefacts", "hour 24 in Watchtower's schedule", cron("autoUpdater", "schedule", "0 0 24 * * *"), "autoUpdater.schedule", /hour 24 is out of range 0-23/),
    refuse("artefacts", "day of week 7 for Watchtower", cron("autoUpdater", "schedule", "0 0 3 * * 7"), "autoUpdater.schedule", /day of week 7 is out of range 0-6/),
    refuse("artefacts", "day of month 0", cron("monitoring", "maintenanceSchedule", "0 3 0 * *"), "monitoring.maintenanceSchedule", /day of month 0 is out of range 1-31/),
    refuse("artefacts", "month 13", cron("monitoring", "logRotateSchedule", "0 0 * 13 *"), "monitoring.logRotateSchedule", /month 13/),
    refuse("artefacts", "day of week 8", cron("backups", "schedule", "0 0 * * 8"), "backups.schedule", /day of week 8/),
    refuse("artefacts", "a backwards range", cron("backups", "schedule", "5-1 * * * *"), "backups.schedule", /runs backwards/),
    refuse("artefacts", "a date that never comes (31 February)", cron("backups", "schedule", "0 0 31 2 *"), "backups.schedule", /never runs/),
    refuse("artefacts", "seven fields in the crontab", cron("backups", "schedule", "0 0 * * * * *"), "backups.schedule", /has 7 fields/),
    refuse("artefacts", "an empty list item", cron("backups", "schedule", "0,,5 * * * *"), "backups.schedule", /not cron syntax/),
    refuse("artefacts", "a tab between fields", cron("backups", "schedule", "0\t2 * * *"), "backups.schedule", /single spaces/),
    refuse("artefacts", "a step on a single value", cron("backups", "schedule", "5/10 * * * *"), "backups.schedule", /step on a single value/),
    accept("artefacts", "busy but valid schedules", local({
        local: { dataDir: "/var/tmp/battery-cron", cron: true },
        backups: { schedule: "*/15 1-5,7 * * 1-5" },
        monitoring: { schedule: "* * * * *", maintenanceSchedule: "0 3 29 2 *", logRotateSchedule: "59 23 * * 7" },
        autoUpdater: { schedule: "0 30 3 * * 0" },
    })),
];

const names: Case[] = [
    refuse("artefacts", "a domain longer than a certificate's common name", local({ domain: `${"a".repeat(57)}.example` }), "domain", /longer than 64 characters, the most a certificate's common name holds/),
    accept("artefacts", "a domain of exactly 64 characters", local({ domain: `${"a".repeat(56)}.example` })),
    accept("artefacts", "an alias of 253 characters", local({ domain: "battery.example", aliases: [`${label63}.${label63}.${label63}.${"b".repeat(53)}.example`] })),
    refuse("artefacts", "more names than one certificate holds", local({ domain: "battery.example", aliases: Array.from({ length: 100 }, (_, i) => `n${i}.battery.example`) }), "aliases", /makes 101 names .* at most 100/),
    refuse("artefacts", "an ACME email certbot reads as an option", local({ acme: { enabled: true, email: "-v@example.com" } }), "acme.email", /starts with -, which certbot would read as an option/),
    refuse("artefacts", "an ACME email that smuggles a flag", local({ acme: { enabled: true, email: "--server=https://evil.example@x.example" } }), "acme.email", /must be an email address/),
    accept("artefacts", "an unusual but valid ACME email", local({ acme: { enabled: true, email: "o'brien+ops@example.com" } }), (r) => {
        const issue = r.script("certificates-issue");
        const line = issue.split("\n").find((l) => l.startsWith("args=(certonly"))!;
        const argv = spawnSync("bash", ["-c", `webroot=/w domain=d server=s\n${line}\nprintf '%s\\n' "\${args[@]}"`], { encoding: "utf8" }).stdout.split("\n");
        assert.ok(argv.includes("--email=o'brien+ops@example.com"), argv.join(" "));
    }),
    accept("artefacts", "a deploy user named on (YAML 1.1's true)", scaleway({ server: { deployUser: "on" } }), (r) => {
        const userData = r.file("/var/lib/cloud/instance/user-data.txt");
        assert.match(userData, /name: "on"/, "quoted, so cloud-init's YAML 1.1 reads a string");
    }),
    accept("artefacts", "a deploy user named yes", scaleway({ server: { deployUser: "yes" } })),
];

const envs: Case[] = [
    refuse("artefacts", "an env key overriding PORT", env("PORT", "80"), "apps[0].backend.env.PORT", /set by the platform/),
    refuse("artefacts", "an env key overriding APP_NAME", env("APP_NAME", "other"), "apps[0].backend.env.APP_NAME", /set by the platform/),
    refuse("artefacts", "an env key overriding RELEASE_IMAGE", env("RELEASE_IMAGE"), "apps[0].backend.env.RELEASE_IMAGE", /set by the platform/),
    refuse("artefacts", "an env key overriding RELEASE_ID", env("RELEASE_ID"), "apps[0].backend.env.RELEASE_ID", /set by the platform/),
    refuse("artefacts", "an env key overriding DATABASE_URL", env("DATABASE_URL", "postgres://evil"), "apps[0].backend.env.DATABASE_URL", /set by the platform/),
    refuse("artefacts", "an env key overriding PGPASSWORD", env("PGPASSWORD"), "apps[0].backend.env.PGPASSWORD", /set by the platform/),
    refuse(
        "artefacts",
        "an env key __proto__ (dropped by a JavaScript object)",
        "config:\n  mhylle-platform:apps:\n    - name: app1\n      frontend: { image: a/f:1 }\n      backend: { image: a/b:1, env: { __proto__: x, KEEP: y } }\n",
        "apps[0].backend.env.__proto__",
        /would be dropped; rename it/,
    ),
    accept("artefacts", "env keys and values that are only data", local({ apps: [withService("app1", "frontend", { env: { constructor: "c", toString: "t", VALUE: "$(id) `id` ' \" ; #" } })] }), (r) => {
        const stdin = String(r.inputs("app1-frontend-release").stdin);
        for (const line of ["constructor=c", "toString=t", "VALUE=$(id) `id` ' \" ; #"]) assert.ok(stdin.split("\n").includes(line), stdin);
        assert.doesNotMatch(r.script("app1-frontend-release"), /\$\(id\)/, "env values travel on stdin, never in the script");
    }),
    refuse("artefacts", "a body size nginx cannot hold", local({ apps: [app("app1", { proxy: { clientMaxBodySize: "99999999999999999999m" } })] }), "apps[0].proxy.clientMaxBodySize", /nginx size/),
    accept("artefacts", "the largest body size allowed", local({ apps: [app("app1", { proxy: { clientMaxBodySize: "9999999m" } })] })),
];

const F = "stack.yaml";
const file = (name: string, text: string, line: number, says: RegExp) => refuse("files", name, text, F, new RegExp(`${says.source}.* \\(line ${line}\\)$`));
const files: Case[] = [
    file("a YAML syntax error", "config:\n  mhylle-platform:apps: [\n  mhylle-platform:domain: x\n", 3, /is not valid YAML/),
    file("a duplicate key", "config:\n  mhylle-platform:target: local\n  mhylle-platform:target: scaleway\n", 3, /has the key "mhylle-platform:target" twice/),
    file("a duplicate key inside an app", "config:\n  mhylle-platform:apps:\n    - name: app1\n      name: app2\n", 4, /twice/),
    file("a circular alias", "config:\n  mhylle-platform:apps: &a\n    - *a\n", 3, /circular alias/),
    file("aliases that explode (billion laughs)", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", 2, /expands its aliases too often/),
    file("a list instead of a mapping", "- target: local\n", 1, /must be a mapping of config keys/),
    file("config that is a list", "config:\n  - mhylle-platform:target: local\n", 1, /config must be a mapping/),
    file("a key that is a mapping", "config:\n  ? { a: 1 }\n  : x\n", 2, /key that is a list or mapping/),
    file("a tag the config does not know", "config:\n  mhylle-platform:domain: !!js/function 'x'\n", 2, /not plain YAML config/),
    file("a tab for indentation", "config:\n\tmhylle-platform:target: local\n", 2, /is not valid YAML/),
    file("two documents", "config: {}\n---\nconfig: {}\n", 2, /more than one YAML document/),
    file("an alias to nothing", "config:\n  mhylle-platform:domain: *nowhere\n", 2, /alias that cannot be read/),
    refuse("files", "bytes that are not UTF-8", Buffer.from([...Buffer.from("config:\n  "), 0xff, 0xfe, 0x0a]), F, /is not UTF-8 text \(line 2\)/),
    refuse("files", "a __proto__ key that would set config through the prototype", "config:\n  mhylle-platform:__proto__: { target: scaleway }\n", "__proto__", /not a known field/),
    accept("files", "an empty file (every default)", ""),
];

const tls: Case[] = [
    accept("tls", "the default TLS settings", local(), (r) => {
        const snippet = r.file(`${NGINX}/snippets/tls.conf`);
        assert.match(snippet, /^ssl_dhparam tls\/ffdhe2048\.pem;$/m);
        assert.match(snippet, /DHE-RSA-AES128-GCM-SHA256/, "the DHE suites are offered");
        const group = spawnSync("openssl", ["pkeyparam", "-text", "-noout"], { input: r.file(`${NGINX}/tls/ffdhe2048.pem`), encoding: "utf8" });
        assert.match(group.stdout, /GROUP: ffdhe2048/, group.stderr);
    }),
];

/** Every generated password there is (the exporter's, the managed database's users'), for the leak check. */
const generated: Case[] = [
    accept("artefacts", "the exporters, and the managed database with the move's way back open", scaleway({ database: { managed: { enabled: true, phase: "switched" } }, monitoring: { prometheus: { enabled: true } } }), (r) => {
        for (const n of ["monitoring-postgres-exporter-password", "managed-database-app1-password", "managed-database-backup-password"]) assert.ok(r.names().includes(n), n);
    }),
];

export const ARTEFACT_CASES: Case[] = [...headers, ...schedules, ...names, ...envs, ...files, ...tls, ...generated];
