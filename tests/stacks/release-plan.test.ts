// What `pulumi preview` shows for releases: a new digest changes exactly that service's release
// command; nothing else restarts; an unchanged registry changes nothing; a refused registry stops
// the run before any resource is declared.
import { test } from "node:test";
import assert from "node:assert/strict";
import { record, RecordedResource, RecordOptions, isSecret } from "../../tools/record";
import { DigestLookupError } from "../../stacks/registry-digest";
import { prodConfig, TEST_AGE_RECIPIENT } from "../support/prod-stack";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const prod = prodConfig();
/** The secrets a stack with `raw` holds: the registry token only where a credential names it (an unread one is refused). */
const secretsOf = (raw: Record<string, unknown>) => ({ sshPrivateKey: "test-key", ...(JSON.stringify(raw.registries ?? {}).includes('"ghcrToken"') ? { ghcrToken: "ghp_testtoken123" } : {}) });

async function run(raw: Record<string, unknown>, registry: Record<string, string | Error> = {}, onLookup?: RecordOptions["onLookup"]) {
    const { program, RefusedConfig } = await import("../../stacks/program");
    let refused: unknown;
    const { resources } = await record(raw, () => program().catch((e) => void (refused = e instanceof RefusedConfig ? e : Promise.reject(e))), { secrets: secretsOf(raw), registry, onLookup });
    return { resources, refused: refused as { problems: { field: string; problem: string }[] } | undefined };
}
const byName = (rs: RecordedResource[]) => Object.fromEntries(rs.map((r) => [r.name, JSON.stringify(r.inputs)]));

test("a new digest for app1's backend changes only app1's backend release", async () => {
    const before = byName((await run(prod)).resources);
    const after = byName((await run(prod, { "ghcr.io/mhylle/app1-backend:1.0.0": digest("2") })).resources);
    const changed = Object.keys(after).filter((n) => after[n] !== before[n]);
    assert.deepEqual(changed, ["app1-backend-release"]);
    assert.match(after["app1-backend-release"], new RegExp(`ghcr.io/mhylle/app1-backend:1\\.0\\.0@${digest("2")}`));
});

test("the same digests again change nothing: a rerun releases nothing", async () => {
    const a = byName((await run(prod)).resources);
    const b = byName((await run(prod)).resources);
    assert.deepEqual(b, a);
});

test("adding an app leaves every other app, nginx's container and the database untouched", async () => {
    const before = byName((await run(prod)).resources);
    const apps = [...(prod.apps as object[]), { name: "app3", frontend: { image: "ghcr.io/mhylle/app3-frontend:1.0.0" }, backend: { image: "ghcr.io/mhylle/app3-backend:1.0.0" } }];
    const after = byName((await run({ ...prod, apps, database: { sharedDb: true, sharedDbGrants: ["app1", "app2"] } })).resources);
    const changed = Object.keys(before).filter((n) => after[n] !== before[n]).sort();
    // nginx's files gain app3's routes; shared_db's SQL now also refuses app3's role; the status
    // report learns app3's health endpoints (bin files rewritten). Nothing restarts.
    assert.deepEqual(changed, ["proxy-config", "scheduler-jobs", "shared-database"]);
    for (const n of ["app3-network", "app3-database", "app3-proxy-attach", "app3-frontend-release", "app3-backend-release"]) assert.ok(after[n], `${n} is created`);
});

test("a refused registry stops the run before any resource is declared, naming the app and registry", async () => {
    const { resources, refused } = await run(prod, { "ghcr.io/mhylle/app2-frontend:1.0.0": new DigestLookupError("denied", "ghcr.io refused to show mhylle/app2-frontend:1.0.0 without a login (401)") });
    assert.ok(refused, "the program refuses");
    assert.equal(refused.problems.length, 1);
    assert.equal(refused.problems[0].field, "apps[1].frontend.image");
    assert.match(refused.problems[0].problem, /app2 frontend: cannot read the image's digest from ghcr\.io .*add ghcr\.io to registries\.credentials/);
    assert.deepEqual(resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => r.name), []);
});

test("private registries: a login on the server from a secret, before releases, never on a command line", async () => {
    const raw = { ...prod, registries: { credentials: [{ server: "ghcr.io", username: "mhylle", tokenKey: "ghcrToken" }] } };
    const lookups: string[] = [];
    const { resources } = await run(raw, {}, (image, c) => lookups.push(`${image} ${c ? `${c.username}:${c.token}` : "anonymous"}`));
    const login = resources.find((r) => r.name === "registry-login-ghcr-io");
    assert.ok(login, "login command");
    assert.ok(isSecret(login.inputs.stdin), "token on stdin, secret");
    assert.match(String(login.inputs.create), /--password-stdin/);
    assert.equal(login.inputs.logging, "none");
    const release = resources.find((r) => r.name === "app1-backend-release")!;
    assert.ok(release.options.dependsOn.includes("registry-login-ghcr-io"));
    // The digests are asked with the token from Node (stacks/registry-digest.ts), never through a
    // Docker provider: no resource holds the token but the login's secret stdin.
    assert.ok(lookups.includes("ghcr.io/mhylle/app1-backend:1.0.0 mhylle:ghp_testtoken123"), lookups.join("\n"));
    assert.ok(lookups.some((l) => /^nginx:\S+ anonymous$/.test(l)), "Docker Hub images are asked without the ghcr.io login");
    assert.deepEqual(resources.filter((r) => r.type === "pulumi:providers:docker").map((r) => r.name), ["server-docker"], "no registry-lookup provider (pulumi-docker#1106)");
    const commands = JSON.stringify(resources.map((r) => [r.inputs.create, r.inputs.update, r.inputs.delete]));
    assert.doesNotMatch(commands, /ghp_testtoken123/);
});

test("a credential whose secret key is not set is refused with the command that fixes it", async () => {
    const raw = { ...prod, registries: { credentials: [{ server: "ghcr.io", username: "mhylle", tokenKey: "missingToken" }] } };
    const { refused } = await run(raw);
    assert.ok(refused);
    assert.equal(refused.problems[0].field, "registries.credentials[0].tokenKey");
    assert.match(refused.problems[0].problem, /pulumi config set --secret missingToken/);
});

test("images pinned by digest in config, or with resolveDigests off, are released as written", async () => {
    const pinned = `ghcr.io/mhylle/app1-backend@${digest("a")}`;
    const apps = structuredClone(prod.apps) as any[];
    apps[0].backend.image = pinned;
    const { resources } = await run({ ...prod, apps }, { [pinned]: new Error("must not be asked") });
    assert.match(JSON.stringify(resources.find((r) => r.name === "app1-backend-release")!.inputs.create), new RegExp(`image='${pinned}'`));
    const off = await run({ ...prod, registries: { resolveDigests: false } }, { "ghcr.io/mhylle/app1-backend:1.0.0": new Error("must not be asked") });
    assert.equal(off.refused, undefined);
    assert.match(JSON.stringify(off.resources.find((r) => r.name === "app1-backend-release")!.inputs.create), /image='ghcr.io\/mhylle\/app1-backend:1.0.0'/);
});

test("every missing secret is reported at once", async () => {
    const raw = {
        ...prod,
        registries: { credentials: [{ server: "ghcr.io", username: "mhylle", tokenKey: "missingToken" }] },
        backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } },
    };
    const { refused } = await run(raw);
    assert.deepEqual(refused?.problems.map((p) => p.field), ["registries.credentials[0].tokenKey", "backupIdentity"]);
});
