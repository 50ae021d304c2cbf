// backupCipherPass is written into pgbackrest.conf as one `repoN-cipher-pass=` line. A value with a
// line break (it would add options to the file) or with leading or trailing spaces (pgBackRest trims
// them, so the repositories would be encrypted with another passphrase than the one the operator
// kept) is refused by the preflight, naming the key and the fix, before any resource is declared,
// and the value is never echoed. Before, the render threw inside an apply, mid-deployment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { prodConfig } from "../support/prod-stack";

const raw = { ...prodConfig(), backups: { pitr: { enabled: true } } };

async function run(cipherPass: string): Promise<{ refused?: Error; resources: number }> {
    const { program } = await import("../../stacks/program");
    const { record } = await import("../../tools/record");
    let refused: Error | undefined;
    const recorded = await record(raw, () => program().catch((e: unknown) => void (refused = e as Error)), { secrets: { backupCipherPass: cipherPass } });
    return { refused, resources: recorded.resources.length };
}

for (const [what, value] of [
    ["a line break", "first-half-of-the-pass\nrepo1-path=/tmp"],
    ["a carriage return", "a-long-enough-passphrase\r"],
    ["a trailing space", "a-long-enough-passphrase "],
    ["a leading space", " a-long-enough-passphrase"],
] as const) {
    test(`backupCipherPass with ${what} is refused before anything is declared, without echoing it`, async () => {
        const { refused, resources } = await run(value);
        assert.ok(refused, "refused");
        assert.match(refused!.message, /^backupCipherPass: must be one line without leading or trailing spaces/m);
        assert.ok(!refused!.message.includes("long-enough") && !refused!.message.includes("first-half"), "the value is not echoed");
        assert.equal(resources, 0, "no resource was declared");
    });
}

test("a one-line passphrase is accepted", async () => {
    const { refused, resources } = await run("a-long-enough-passphrase-for-pgbackrest");
    assert.equal(refused, undefined, String(refused?.message));
    assert.ok(resources > 0);
});
