// Every validation rule refuses its bad case with a field-named line; good stacks pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { validateConfig } from "../../config/validate";
import { POSTGRES_UPGRADE_RUNBOOK } from "../../config/postgres-names";
import { stackConfig } from "../support/program";
import { TEST_DEPLOY_PUBLIC_KEY, prodConfig, prodShipsAccess, shippedProdStackFile } from "../support/prod-stack";
import { readStackFile } from "../../config/stack-file";
import { problems, refuses } from "../support/config-problems";

const app = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` },
    ...extra,
});

test("the shipped stacks are valid once the production access values are set", () => {
    assert.deepEqual(problems(prodConfig()), []);
    assert.deepEqual(problems(stackConfig("local")), []);
});

test("the shipped production stack names exactly what a new user must set, and nothing else", () => {
    // In CI the copy is the shipped file: it must set no access values, so the copy without them is that file.
    if (process.env.CI) assert.equal(prodShipsAccess(), false, "Pulumi.prod.yaml ships access values");
    const lines = problems(readStackFile(shippedProdStackFile()).raw);
    assert.deepEqual(lines.map((l) => l.split(":")[0]), ["server.adminCidrs", "server.sshPublicKey"]);
    assert.match(lines[0], /pulumi config set --path 'server\.adminCidrs\[0\]'/);
    assert.match(lines[1], /pulumi config set --path server\.sshPublicKey/);
});

test("defaults fill in what a minimal app leaves out", () => {
    const cfg = validateConfig({ apps: [app("app1")] });
    assert.equal(cfg.target, "local");
    assert.equal(cfg.apps[0].backend.port, 3000);
    assert.equal(cfg.apps[0].backend.healthPath, "/health");
    assert.equal(cfg.apps[0].database, true);
    assert.equal(cfg.apps[0].watchtower, false);
    assert.equal(cfg.autoUpdater.schedule, "0 0 */6 * * *");
    assert.equal(cfg.images.postgres, "postgres:15");
});

test("every problem is reported at once, one line each", () => {
    const lines = problems({ target: "cloud", apps: [app("App1"), { ...app("app2"), backend: { image: "x", port: 0 } }] });
    assert.ok(lines.length >= 4, lines.join("\n"));
    assert.ok(lines.every((l) => /^\S+: .+ \(got .+\)$/.test(l)), lines.join("\n"));
});

const cases: [string, unknown, string, RegExp][] = [
    ["unknown target", { target: "aws" }, "target", /one of: "local", "scaleway"/],
    ["apps not a list", { apps: "app1" }, "apps", /^apps: must be an array \(got "app1"\)$/],
    ["bind address that is not an address", { proxy: { bindAddress: "localhost; id" } }, "proxy.bindAddress", /must be an IPv4 or IPv6 address such as 0\.0\.0\.0, 127\.0\.0\.1 or ::/],
    ["misspelled field", { apps: [{ ...app("app1"), fronted: {} }] }, "apps[0].fronted", /not a known field/],
    ["upper-case app name", { apps: [app("App1")] }, "apps[0].name", /lower-case/],
    ["name that could inject", { apps: [app("app1;rm")] }, "apps[0].name", /lower-case/],
    ["duplicate names", { apps: [app("app1"), app("app1")] }, "apps[1].name", /duplicates apps\[0\]\.name/],
    ["reserved name", { apps: [app("postgres")] }, "apps[0].name", /reserved/],
    ["too long name", { apps: [app("a".repeat(30))] }, "apps[0].name", /longer than 24/],
    ["colliding prefixes", { apps: [app("app1"), app("app2", { routePrefix: "/app1" })] }, "apps[1].routePrefix", /already used by apps\[0\]/],
    ["nested prefixes", { apps: [app("app1"), app("app2", { routePrefix: "/app1/two" })] }, "apps[1].routePrefix", /nests with \/app1/],
    ["reserved prefix /api", { apps: [app("app1", { routePrefix: "/api" })] }, "apps[0].routePrefix", /reserved path \/api/],
    ["reserved prefix /health", { apps: [app("app1", { routePrefix: "/health" })] }, "apps[0].routePrefix", /reserved path \/health/],
    ["reserved prefix /.well-known", { apps: [app("app1", { routePrefix: "/.well-known" })] }, "apps[0].routePrefix", /look like \/app1|reserved/],
    ["prefix with a trailing slash", { apps: [app("app1", { routePrefix: "/app1/" })] }, "apps[0].routePrefix", /no trailing slash/],
    ["prefix that could inject nginx config", { apps: [app("app1", { routePrefix: "/a; return 200" })] }, "apps[0].routePrefix", /look like/],
    ["image without tag", { apps: [{ ...app("app1"), backend: { image: "ghcr.io/mhylle/app1-backend" } }] }, "apps[0].backend.image", /needs a tag or a digest/],
    ["image with a space", { apps: [{ ...app("app1"), backend: { image: "ghcr.io/x y:1" } }] }, "apps[0].backend.image", /image reference/],
    ["core image on latest", { images: { nginx: "nginx:latest" } }, "images.nginx", /not :latest/],
    ["port zero", { apps: [{ ...app("app1"), backend: { image: "a/b:1", port: 0 } }] }, "apps[0].backend.port", /at least 1/],
    ["port too high", { apps: [{ ...app("app1"), frontend: { image: "a/b:1", port: 70000 } }] }, "apps[0].frontend.port", /at most 65535/],
    ["health path not absolute", { apps: [{ ...app("app1"), backend: { image: "a/b:1", healthPath: "health" } }] }, "apps[0].backend.healthPath", /absolute URL path/],
    ["bad env key", { apps: [{ ...app("app1"), backend: { image: "a/b:1", env: { "BAD-KEY": "1" } } }] }, "apps[0].backend.env.BAD-KEY", /variable name/],
    ["env value with a newline", { apps: [{ ...app("app1"), backend: { image: "a/b:1", env: { A: "1\nB=2" } } }] }, "apps[0].backend.env.A", /line break/],
    ["env that shadows the database settings", { apps: [{ ...app("app1"), backend: { image: "a/b:1", env: { DATABASE_URL: "x" } } }] }, "apps[0].backend.env.DATABASE_URL", /set by the platform/],
    ["CSP that could inject nginx config", { apps: [app("app1", { proxy: { csp: "default-src 'self'\"; return 200; \"" } })] }, "apps[0].proxy.csp", /without "/],
    [
        "memory overcommit",
        { apps: [1, 2, 3, 4, 5].map((i) => ({ ...app(`app${i}`), backend: { image: "a/b:1", memoryMb: 900 } })) },
        "apps",
        /memory limits need \d+ MiB .* server has 3584 MiB/,
    ],
    ["shared_db grant to an unknown app", { apps: [app("app1")], database: { sharedDbGrants: ["app9"] } }, "database.sharedDbGrants[0]", /names no app; use one of: app1/],
    ["bad admin CIDR", { server: { adminCidrs: ["10.0.0.1"] } }, "server.adminCidrs[0]", /CIDR/],
    ["scaleway without admin CIDRs", { target: "scaleway", domain: "example.com", server: { sshPublicKey: TEST_DEPLOY_PUBLIC_KEY } }, "server.adminCidrs", /nobody could reach SSH/],
    ["scaleway without SSH key", { target: "scaleway", domain: "example.com", server: { adminCidrs: ["51.159.0.10/32"] } }, "server.sshPublicKey", /required on the scaleway target/],
    ["ACME without email", { acme: { enabled: true } }, "acme.email", /required when acme.enabled/],
    ["ACME directory over http", { acme: { directory: "http://acme.example/dir" } }, "acme.directory", /https:\/\//],
    ["domain with upper case", { domain: "Mhylle.com" }, "domain", /lower-case DNS name/],
    ["same port twice", { proxy: { httpPort: 8080, httpsPort: 8080 } }, "proxy.httpsPort", /equals proxy.httpPort/],
    ["bad cron", { autoUpdater: { schedule: "every 6 hours" } }, "autoUpdater.schedule", /Watchtower's schedule takes 6 fields/],
];

for (const [what, raw, field, pattern] of cases) {
    test(`refuses ${what}`, () => refuses(raw, field, pattern));
}

test("the runbook a PostgreSQL major version change is sent to exists and uses the platform's own commands", () => {
    const text = fs.readFileSync(path.resolve(__dirname, "../..", POSTGRES_UPGRADE_RUNBOOK), "utf8");
    for (const step of ["/opt/platform/bin/run-job backup", "pg_dumpall", "POSTGRES_VOLUME", "pulumi state unprotect", "diff counts-15.txt counts-16.txt", "## Roll back"]) assert.ok(text.includes(step), step);
    assert.match(problems({ images: { postgres: "postgres:16" } }).join("\n"), new RegExp(`see ${POSTGRES_UPGRADE_RUNBOOK}`));
});
