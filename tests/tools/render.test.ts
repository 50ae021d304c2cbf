// `npm run render` as the design brief defines it, and its artefacts checked by the real programs.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { listFiles, renderStack, RenderResult } from "../support/render";
import { generatedPasswords, leaksIn } from "../support/leaks";
import { MOCK_CA } from "../../tools/record";
import { needs } from "../support/requirements";
import { prodStackFile, prodStackText } from "../support/prod-stack";
import { parseDocument } from "yaml";

let prod: RenderResult;
let local: RenderResult;
/** Three servers with the managed database, the move's way back still open, and the exporters: every kind of script there is. */
let fleet: RenderResult;
let e2eFleet: RenderResult;
before(() => {
    prod = renderStack(["--config", prodStackFile()]);
    local = renderStack(["--stack", "local"]);
    const doc = parseDocument(prodStackText());
    doc.setIn(["config", "mhylle-platform:server", "count"], 3);
    doc.setIn(["config", "mhylle-platform:database", "managed"], { enabled: true, readReplicas: 1, phase: "switched" });
    doc.setIn(["config", "mhylle-platform:monitoring"], { prometheus: { enabled: true } });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fleet-stack-")), "Pulumi.fleet.yaml");
    fs.writeFileSync(file, doc.toString());
    const agent = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    fleet = renderStack(["--config", file]);
    // The end-to-end fleet (tests/e2e/fleet-stack.yaml): the stand-in managed database, with its secret and a CA file of its own.
    const e2eDoc = parseDocument(fs.readFileSync(path.join(__dirname, "../e2e/fleet-stack.yaml"), "utf8"));
    const ca = path.join(path.dirname(file), "ca.pem");
    fs.writeFileSync(ca, MOCK_CA);
    e2eDoc.setIn(["config", "mhylle-platform:local", "managedDatabase", "caFile"], ca);
    e2eDoc.setIn(["config", "mhylle-platform:managedDatabaseAdminPassword"], { secure: "v1:test" });
    e2eDoc.setIn(["config", "mhylle-platform:monitoring"], { prometheus: { enabled: true } });
    const e2eFile = path.join(path.dirname(file), "Pulumi.e2e-fleet.yaml");
    fs.writeFileSync(e2eFile, e2eDoc.toString());
    e2eFleet = renderStack(["--config", e2eFile]);
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = agent;
});

test("render --stack prod writes resources.json with the whole server", () => {
    assert.equal(prod.status, 0, prod.stderr);
    const resources = JSON.parse(fs.readFileSync(path.join(prod.out, "resources.json"), "utf8")) as { type: string; name: string; inputs: any; parent: string | null }[];
    const names = new Set(resources.map((r) => r.name));
    for (const n of ["server-instance", "server-firewall", "server-ssh-key", "mhylle-network", "mhylle-database", "app1-network", "app2-network", "mhylle-postgres", "postgres-data", "mhylle-watchtower", "mhylle-nginx", "app1", "app2"])
        assert.ok(names.has(n), `resources.json lacks ${n}`);
    assert.ok(resources.every((r) => "type" in r && "inputs" in r && "parent" in r));
    assert.equal(resources.find((r) => r.name === "app1-network")?.parent, "networks");
    const text = fs.readFileSync(path.join(prod.out, "resources.json"), "utf8");
    assert.ok(text.includes('"[secret]"'), "secrets are replaced");
});

test("no generated password is in resources.json, any file or any script, on prod, on three servers with the managed database and the exporters, and on the end-to-end fleet", () => {
    const expected = {
        prod: ["app1-db-password", "app2-db-password", "database-superuser-password", "pgbouncer-auth-password"],
        fleet: ["app1-db-password", "app2-db-password", "database-superuser-password", "managed-database-admin-password", "managed-database-app1-password", "managed-database-app2-password", "managed-database-backup-password", "monitoring-postgres-exporter-password", "pgbouncer-auth-password"],
        e2eFleet: ["managed-database-app1-password", "managed-database-app2-password", "managed-database-backup-password"],
    };
    for (const [name, r] of Object.entries({ prod, fleet, e2eFleet })) {
        assert.equal(r.status, 0, r.stderr);
        // The exact values the mocks generated, computed from each password's name and length in resources.json.
        const generated = generatedPasswords(JSON.parse(fs.readFileSync(path.join(r.out, "resources.json"), "utf8")));
        assert.deepEqual([...generated.keys()].sort(), expected[name as keyof typeof expected], name);
        const texts = listFiles(r.out).map((file) => ({ file: path.relative(r.out, file), text: fs.readFileSync(file, "utf8") }));
        assert.ok(texts.length > 50, `${name}: ${texts.length} files rendered`);
        assert.deepEqual(leaksIn(texts, generated), [], name);
    }
});

test("render writes files at their server paths and scripts of every command", () => {
    const files = listFiles(path.join(prod.out, "files")).map((f) => f.slice(path.join(prod.out, "files").length));
    for (const f of ["/opt/platform/nginx/nginx.conf", "/opt/platform/nginx/conf.d/app1.conf", "/var/lib/cloud/instance/user-data.txt", "/etc/docker/daemon.json"])
        assert.ok(files.includes(f), `files/ lacks ${f}; has ${files.join(", ")}`);
    const scripts = fs.readdirSync(path.join(prod.out, "scripts"));
    for (const s of ["app1-database.create.sh", "proxy-config.create.sh", "app1-backend-release.create.sh", "server-ready.create.sh"]) assert.ok(scripts.includes(s), `scripts/ lacks ${s}`);
});

test("render --stack local succeeds without a cloud account", () => {
    assert.equal(local.status, 0, local.stderr);
    const resources = JSON.parse(fs.readFileSync(path.join(local.out, "resources.json"), "utf8")) as { type: string }[];
    assert.equal(resources.filter((r) => r.type.startsWith("scaleway:")).length, 0);
});

test("bad config exits 2 with one field-named line per problem and no stack trace", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "badcfg-"));
    const file = path.join(dir, "bad.yaml");
    fs.writeFileSync(
        file,
        `config:\n  mhylle-platform:apps:\n    - name: app1\n      frontend: { image: "ghcr.io/a/b" }\n      backend: { image: "ghcr.io/a/c:1", port: 99999 }\n    - name: app1\n      frontend: { image: "a/b:1" }\n      backend: { image: "a/c:1" }\n`,
    );
    const r = renderStack(["--config", file]);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.deepEqual(lines, [
        'apps[0].frontend.image: needs a tag or a digest, e.g. ghcr.io/owner/name:1.0.0 (got "ghcr.io/a/b")',
        "apps[0].backend.port: must be at most 65535 (got 99999)",
    ]);
    assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/, "no stack trace");
    assert.equal(fs.existsSync(path.join(r.out, "resources.json")), false, "nothing rendered");
});

test("cross-field problems come once the shape is right", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "badcfg-"));
    const file = path.join(dir, "dup.yaml");
    fs.writeFileSync(file, `apps:\n  - name: app1\n    frontend: { image: "a/b:1" }\n    backend: { image: "a/c:1" }\n  - name: app1\n    frontend: { image: "a/b:1" }\n    backend: { image: "a/c:1" }\n`);
    const r = renderStack(["--config", file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^apps\[1\]\.name: duplicates apps\[0\]\.name; give each app its own name \(got "app1"\)$/m);
});

test("cloud-init passes `cloud-init schema` without deprecations", { skip: needs("cloud-init") }, () => {
    const file = path.join(prod.out, "files/var/lib/cloud/instance/user-data.txt");
    const r = spawnSync("cloud-init", ["schema", "-c", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /Valid cloud-config/);
    assert.doesNotMatch(r.stdout + r.stderr, /DEPRECATED/);
});

test("every rendered script is clean under shellcheck", { skip: needs("shellcheck") }, () => {
    assert.equal(fleet.status, 0, fleet.stderr);
    const scripts = [prod, local, fleet].flatMap((r) => listFiles(path.join(r.out, "scripts")));
    const executables = [prod, local, fleet].flatMap((r) => listFiles(path.join(r.out, "files")).filter((f) => fs.readFileSync(f, "utf8").startsWith("#!/usr/bin/env bash")));
    assert.ok(scripts.length >= 20);
    // With several servers, each release installs its phases as files (heredocs of the install script): check those too.
    const phases = fs.mkdtempSync(path.join(os.tmpdir(), "phases-"));
    const installed = scripts.filter((f) => fs.readFileSync(f, "utf8").includes("<<'PLATFORM_RELEASE_EOF'"));
    assert.ok(installed.length >= 12, "every service on every server installs its release");
    installed.slice(0, 2).forEach((f, i) =>
        fs.readFileSync(f, "utf8").split("PLATFORM_RELEASE_EOF").filter((_, j) => j % 2 === 1).forEach((text, j) => fs.writeFileSync(path.join(phases, `${i}-${j}.sh`), text.replace(/^'\n/, ""))),
    );
    const r = spawnSync("shellcheck", ["-s", "bash", "-S", "style", ...scripts, ...executables, ...listFiles(phases)], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
});
