// Keys nothing reads are refused, where Pulumi would hand them to the program and the program would
// drop them: a misspelled field, a secret no app names any more, a namespace a letter off the
// project's. Under `pulumi up` (the program under mocks, every key as Pulumi passes it) and under
// `npm run render` (the stack file), naming the key and the fix, never its value.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { record } from "../../tools/record";
import { renderConfigFile } from "../../tools/render";
import { strayKeyProblems } from "../../config/stray-keys";
import { stackConfig } from "../support/program";

const SECRET_VALUE = "s3cr3t-value-never-shown";

async function up(raw: Record<string, unknown>, secrets: Record<string, string> = {}) {
    const { program, RefusedConfig } = await import("../../stacks/program");
    let refused: { problems: { field: string; problem: string; got: unknown }[] } | undefined;
    const { resources } = await record(raw, () => program().catch((e) => { if (e instanceof RefusedConfig) refused = e as never; else throw e; }), { secrets });
    return { resources, refused };
}

test("pulumi up: a misspelled top-level key is refused before any resource, naming it and the fix", async () => {
    const raw = { ...stackConfig("local"), app: [{ name: "x" }] };
    const { resources, refused } = await up(raw);
    assert.ok(refused, "the program refused the stack");
    assert.deepEqual(resources.filter((r) => r.custom), [], "nothing was declared");
    const line = refused.problems.find((p) => p.field === "app");
    assert.ok(line, JSON.stringify(refused.problems));
    assert.match(line.problem, /nothing reads it.*pulumi config rm app/);
});

test("pulumi up: a secret no app names any more is refused without showing its value; one an app names is read", async () => {
    const stale = await up(stackConfig("local"), { oldApiToken: SECRET_VALUE });
    assert.ok(stale.refused);
    assert.deepEqual(stale.refused.problems.map((p) => p.field), ["oldApiToken"]);
    assert.ok(!JSON.stringify(stale.refused.problems).includes(SECRET_VALUE), "the value is not shown");
    const local = stackConfig("local") as { apps: Record<string, any>[] };
    const named = { ...local, apps: local.apps.map((a, i) => (i === 0 ? { ...a, backend: { ...a.backend, secretEnv: { API_TOKEN: "oldApiToken" } } } : a)) };
    const used = await up(named, { oldApiToken: SECRET_VALUE });
    assert.equal(used.refused, undefined, JSON.stringify(used.refused?.problems));
});

test("the platform's own secrets, retired ones and the providers' namespaces are never stray", () => {
    const keys = ["mhylle-platform:apps", "mhylle-platform:backupCipherPass", "mhylle-platform:sshPrivateKey", "scaleway:region", "docker:host", "pulumi:template", "aws:region"];
    assert.deepEqual(strayKeyProblems(keys, {}), []);
});

test("npm run render: a namespace a letter off the project's is refused, naming the right key", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stray-keys-"));
    const file = path.join(dir, "Pulumi.local.yaml");
    fs.writeFileSync(file, fs.readFileSync(path.join(__dirname, "../../Pulumi.local.yaml"), "utf8") + "  mhylle-platfrom:backups:\n    enabled: false\n  scaleway:region: fr-par\n");
    const out = await renderConfigFile(file, path.join(dir, "out"));
    assert.equal(out.status, 2);
    assert.deepEqual(out.problems.map((l) => l.split(":").slice(0, 2).join(":")), ["mhylle-platfrom:backups"]);
    assert.match(out.problems[0], /Set it as mhylle-platform:backups .* pulumi config rm 'mhylle-platfrom:backups' \(got "\[value not shown\]"\)$/);
    fs.rmSync(dir, { recursive: true, force: true });
});
