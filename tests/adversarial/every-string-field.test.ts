// Every string field of the config schema, found by walking the schema itself (a field added later
// is swept too), gets the values an attacker or a careless user writes: shell and SQL
// metacharacters, cron's %, nginx's { } and $, quotes, line breaks, NUL, unicode lookalikes and
// invisible characters, a 5,000-character value. Each must be refused by validation, naming the
// field, as a ConfigError (never a crash), unless the field is one of the few that hold free text,
// listed below with where that text goes and the test that proves it lands as data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../config/schema";
import { validateConfig } from "../../config/validate";
import { ConfigError } from "../../config/problem";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TEST_AGE_RECIPIENT, TEST_SERVER_ACCESS } from "../support/prod-stack";
import { MOCK_CA } from "../../tools/mock-outputs";
import { tempDirs } from "../support/tmp";

const CA_FILE = path.join(tempDirs()(path.join(os.tmpdir(), "string-sweep-")), "ca.pem");
fs.writeFileSync(CA_FILE, MOCK_CA);

const HOSTILE: Record<string, string> = {
    "command substitution": "x$(id)",
    backticks: "x`id`",
    "a single quote": "x'y",
    "a double quote": 'x"y',
    "a semicolon": "x;y",
    "cron's %": "x%y",
    braces: "x{y}",
    "a comment sign": "x#y",
    "a line break": "x\ny",
    "a carriage return": "x\ry",
    "a tab": "x\ty",
    "a backslash": "x\\y",
    "a space": "x y",
    "a pipe": "x|y",
    "an ampersand": "x&y",
    "a redirect": "x<y",
    NUL: "x\u0000y",
    "a unicode line separator": "x\u2028y",
    "a zero-width space": "x\u200by",
    "a Cyrillic a (lookalike)": "\u0430pp1",
    "5,000 characters": "a".repeat(5000),
};

/**
 * Fields that hold free text, and the hostile values they take: each lands as data where it goes.
 * - env values: docker's --env-file (one line each, line breaks refused) and the secret loader's
 *   single quotes; tests/adversarial/cases-artefacts.ts ("env keys and values that are only data")
 *   and tests/render/app/release-secret-env.test.ts read them back byte for byte.
 * - build args: the Docker provider's build API (a map, no shell), printable ASCII only.
 * - CSPs: inside nginx's double quotes, so only " \ $ { } and control characters are refused
 *   (cases-artefacts.ts puts the accepted ones through nginx -t).
 */
const FREE_TEXT: Record<string, readonly string[]> = {
    "apps[0].frontend.env.X": ["command substitution", "backticks", "a single quote", "a double quote", "a semicolon", "cron's %", "braces", "a comment sign", "a tab", "a backslash", "a space", "a pipe", "an ampersand", "a redirect", "a unicode line separator", "a zero-width space", "a Cyrillic a (lookalike)", "5,000 characters"],
    "apps[0].backend.env.X": [],
    "apps[0].frontend.build.args.X": ["command substitution", "backticks", "a single quote", "a double quote", "a semicolon", "cron's %", "braces", "a comment sign", "a backslash", "a space", "a pipe", "an ampersand", "a redirect", "5,000 characters"],
    "apps[0].backend.build.args.X": [],
    "proxy.csp": ["backticks", "a single quote", "a semicolon", "cron's %", "a comment sign", "a space", "a pipe", "an ampersand", "a redirect"],
    "apps[0].proxy.csp": [],
};
// Variable names (env, secretEnv, build args) are letters, digits and _ only; a long one is a long
// word in docker's env file, the loader's `export NAME=` and the build API, so length is not refused.
for (const s of ["frontend", "backend"]) for (const m of ["env", "secretEnv", "build.args"]) FREE_TEXT[`apps[0].${s}.${m}{KEY}`] = ["5,000 characters"];
FREE_TEXT["apps[0].backend.env.X"] = FREE_TEXT["apps[0].frontend.env.X"];
FREE_TEXT["apps[0].backend.build.args.X"] = FREE_TEXT["apps[0].frontend.build.args.X"];
FREE_TEXT["apps[0].proxy.csp"] = FREE_TEXT["proxy.csp"];

/** Every string leaf of a zod schema, as a field path ([0] for an array's element, {KEY} for a map's keys, .X for its values). */
function stringFields(schema: any, at = "", out: string[] = []): string[] {
    const def = schema._zod.def;
    switch (def.type) {
        case "object":
            for (const [k, v] of Object.entries(def.shape)) stringFields(v, at ? `${at}.${k}` : k, out);
            break;
        case "optional":
        case "default":
        case "prefault":
        case "nullable":
            stringFields(def.innerType, at, out);
            break;
        case "pipe":
            stringFields(def.in, at, out);
            break;
        case "array":
            stringFields(def.element, `${at}[0]`, out);
            break;
        case "record":
            stringFields(def.keyType, `${at}{KEY}`, out);
            stringFields(def.valueType, `${at}.X`, out);
            break;
        case "union":
            for (const o of def.options) stringFields(o, at, out);
            break;
        case "string":
            out.push(at);
            break;
        case "boolean":
        case "number":
        case "enum":
            break;
        default:
            throw new Error(`${at}: a ${def.type} in the schema this sweep does not know how to walk`);
    }
    return [...new Set(out)];
}

const app = (name: string) => ({ name, frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` }, backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` } });
/** A valid config holding every field the sweep sets (arrays with an element, maps with a key). */
function base(field: string): any {
    if (field.startsWith("local.")) {
        return {
            target: "local",
            apps: [app("app1")],
            local: { servers: [{ dockerHost: "unix:///run/docker-2.sock", dataDir: "/var/tmp/sweep-2", backendPort: 18080 }], managedDatabase: { host: "127.0.0.1", caFile: CA_FILE, adminUser: "postgres" } },
        };
    }
    const a: any = app("app1");
    if (/\.build\./.test(field)) {
        const service = field.includes("frontend") ? "frontend" : "backend";
        a[service] = { build: { context: "demo/backend", args: { X: "1" } } };
        return { target: "local", apps: [a] };
    }
    for (const s of ["frontend", "backend"]) Object.assign(a[s], { env: { X: "1" }, secretEnv: { Y: "app1Token" } });
    return {
        target: "scaleway",
        domain: "sweep.example.com",
        aliases: ["www.sweep.example.com"],
        acme: { enabled: true, email: "ops@example.com" },
        server: { ...TEST_SERVER_ACCESS },
        database: { sharedDbGrants: ["app1"], managed: { enabled: field.startsWith("database.managed."), existingDatabases: field.startsWith("database.managed.") ? ["fr-par/11111111-2222-3333-4444-555555555555/app1_db"] : [] } },
        backups: { offsite: { enabled: true, bucket: "sweep-backups", recipient: TEST_AGE_RECIPIENT } },
        monitoring: { alerts: { webhook: { format: "ntfy", topic: "alerts-9c41f07e2b6d83a5e0f4c7b1d2a63e58" }, email: { host: "smtp.example.com", username: "apikey", from: "platform@example.com", to: ["ops@example.com"] } } },
        registries: { credentials: [{ server: "ghcr.io", username: "mhylle", tokenKey: "ghcrToken" }] },
        apps: [{ ...a, repository: "mhylle/app1", repositoryId: "700000001" }],
    };
}

/** The config with the field at `path` set to `value` (a map's key renamed to it for {KEY}). */
function withValue(field: string, value: string): any {
    const cfg = base(field);
    const parts = ["(root)", ...field.replace(/\[0\]/g, ".0").replace(/\{KEY\}$/, ".{KEY}").split(".")];
    let node: any = { "(root)": cfg };
    for (const [i, p] of parts.slice(0, -2).entries()) node = node[p] ??= parts[i + 1] === "0" ? [] : {};
    const [parent, last] = parts.slice(-2);
    node[parent] ??= last === "0" ? [] : {};
    if (last === "{KEY}") node[parent] = { [value]: Object.values(node[parent])[0] ?? "1" };
    else node[parent][last] = value;
    return cfg;
}

/** The field as validation names it: the map itself for a key ({KEY}), X's entry for its value. */
const named = (path: string) => path.replace(/\{KEY\}$/, "");

const FIELDS = stringFields(configSchema);

test("the sweep finds every string field of the schema, and each base config is valid", () => {
    assert.ok(FIELDS.length >= 70, `${FIELDS.length} fields: ${FIELDS.join(", ")}`);
    for (const f of ["server.image", "apps[0].releaseBranch", "local.managedDatabase.caFile", "monitoring.alerts.email.username"]) assert.ok(FIELDS.includes(f), f);
    for (const f of FIELDS) assert.doesNotThrow(() => validateConfig(base(f)), `the base config for ${f}`);
});

for (const field of FIELDS) {
    test(`${field}: hostile values are refused naming the field, or land as free text`, () => {
        const accepted: string[] = [];
        for (const [what, value] of Object.entries(HOSTILE)) {
            let problems: string[] = [];
            try {
                validateConfig(withValue(field, value));
            } catch (e) {
                assert.ok(e instanceof ConfigError, `${what}: validation crashed instead of refusing: ${(e as Error).stack}`);
                problems = e.problems.map((p) => p.field);
            }
            const refused = problems.some((p) => p === named(field) || p.startsWith(`${named(field)}.`) || p.startsWith(`${named(field)}[`));
            if (!refused) accepted.push(what);
        }
        assert.deepEqual(accepted, [...(FREE_TEXT[field] ?? [])], `${field} accepts these; refuse them, or list the field as free text with where it lands`);
    });
}
