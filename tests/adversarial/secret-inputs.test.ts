// Issue 23 item 9 and its siblings, under mocks: no secret (a generated password, a config secret)
// in any container's settings (what `docker inspect` shows to anyone with Docker access), nor in a
// command's script, environment or triggers; a secret reaches a command on stdin only, marked
// secret, with nothing logged and stdout/stderr secret in state; and nowhere outside a Pulumi secret.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { CONTAINER, LOCAL_COMMAND, REMOTE_COMMAND, Recorded, isSecret, prodConfig, recordProgram, reveal } from "../support/program";
import { generatedPasswords } from "../support/leaks";
import { TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";
import { redact } from "../../tools/record";
import { mockPassword } from "../../tools/mock-outputs";
import { EXPORTER_CONTAINERS, EXPORTER_PASSWORD_PATH } from "../../render/monitoring/exporters";

const configSecrets = { backupIdentity: TEST_AGE_IDENTITY, alertWebhookUrl: "https://hooks.example.com/secret-inputs-token" };
const stacks = {
    everything: [{ ...prodConfig(), backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } }, monitoring: { prometheus: { enabled: true }, alerts: { webhook: { enabled: true } } } }, configSecrets],
    pitr: [{ ...prodConfig(), backups: { pitr: { enabled: true } }, monitoring: { prometheus: { enabled: true } } }, { backupCipherPass: "secret-inputs-cipher-pass" }],
    // With the bucket: the repository host's file holds the passphrase and repo2's key.
    pitrOffsite: [{ ...prodConfig(), backups: { pitr: { enabled: true }, offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } }, monitoring: { prometheus: { enabled: true } } }, { backupCipherPass: "secret-inputs-cipher-pass-2", backupIdentity: TEST_AGE_IDENTITY }],
    managed: [{ ...prodConfig(), database: { managed: { enabled: true, phase: "switched" } }, monitoring: { prometheus: { enabled: true } } }, {}],
} as const;

const runs: [string, Recorded, Map<string, string>][] = [];
before(async () => {
    for (const [name, [raw, secrets]] of Object.entries(stacks)) {
        const r = await recordProgram(raw, secrets);
        const values = generatedPasswords(r.resources);
        for (const [k, v] of Object.entries(secrets)) values.set(`config ${k}`, v);
        // The bucket keys' secrets (the dumps' put-only key, the repository host's read-write key).
        for (const k of r.ofType("scaleway:iam/apiKey:ApiKey")) values.set(k.name, mockPassword(k.name, 36));
        runs.push([name, r, values]);
    }
});

const holds = (value: unknown, values: Map<string, string>) => {
    const text = JSON.stringify(reveal(value) ?? null);
    return [...values].filter(([, v]) => text.includes(v)).map(([k]) => k);
};

test("no container's settings hold a secret: docker inspect shows none", () => {
    for (const [stack, r, values] of runs) {
        assert.ok(values.size >= 3, `${stack}: secrets to look for`);
        const containers = r.ofType(CONTAINER);
        assert.ok(containers.some((c) => c.name.startsWith(EXPORTER_CONTAINERS.postgres)), `${stack}: the PostgreSQL exporter is declared`);
        for (const c of containers) {
            const { name, ...settings } = c.inputs;
            assert.deepEqual(holds(settings, values), [], `${stack}: ${c.name} (${String(name)})`);
        }
    }
});

test("the exporter reads its password from a read-only file: DATA_SOURCE_PASS_FILE, no DATA_SOURCE_PASS", () => {
    for (const [stack, r] of runs) {
        const exporter = r.ofType(CONTAINER).find((c) => c.name.startsWith(EXPORTER_CONTAINERS.postgres))!;
        const envs = reveal(exporter.inputs.envs) as string[];
        assert.ok(envs.includes(`DATA_SOURCE_PASS_FILE=${EXPORTER_PASSWORD_PATH}`), `${stack}: ${envs.join(" ")}`);
        assert.deepEqual(envs.filter((e) => e.startsWith("DATA_SOURCE_PASS=")), []);
        const mount = (reveal(exporter.inputs.volumes) as { containerPath: string; readOnly?: boolean }[]).find((v) => v.containerPath === EXPORTER_PASSWORD_PATH);
        assert.equal(mount?.readOnly, true, `${stack}: the password file is mounted read-only`);
    }
});

test("a secret reaches a command on stdin only, marked secret, its outputs secret in state, and (a release apart) nothing logged", () => {
    for (const [stack, r, values] of runs) {
        const commands = [...r.ofType(REMOTE_COMMAND), ...r.ofType(LOCAL_COMMAND)];
        let carriers = 0;
        for (const c of commands) {
            const { stdin, connection, ...rest } = c.inputs;
            assert.deepEqual(holds(rest, values), [], `${stack}: ${c.name}: a secret in its script, environment or triggers`);
            if (!holds(stdin, values).length) continue;
            carriers++;
            assert.ok(isSecret(stdin), `${stack}: ${c.name}: stdin holds ${holds(stdin, values).join(", ")} but is not a secret`);
            // A release shows its progress live (what it prints is item 11's); every other carrier prints nothing.
            if (!c.name.includes("-release")) assert.equal(c.inputs.logging, "none", `${stack}: ${c.name}: logs its output`);
            for (const out of ["stdout", "stderr"]) assert.ok(c.options.additionalSecretOutputs.includes(out), `${stack}: ${c.name}: ${out} not secret`);
        }
        assert.ok(carriers >= 4, `${stack}: commands carrying secrets found: ${carriers}`);
    }
});

test("no secret anywhere in state outside a Pulumi secret", () => {
    for (const [stack, r, values] of runs) {
        for (const res of r.resources) assert.deepEqual(holds(redact(res.inputs), values), [], `${stack}: ${res.name}`);
    }
});
