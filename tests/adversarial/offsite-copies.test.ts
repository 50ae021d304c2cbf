// Issue 23, item 12, as a user or an attacker writes the stack file: the off-site copies must be
// encrypted to a key someone here can decrypt with, and nothing the server gets may decrypt or
// delete them. Each stack file goes through the render tool (exit 2 naming the field, or rendered
// and checked where it lands).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { accept, Case, readRendered, refuse, scaleway } from "./case";
import { CaseResult, everyFile, renderCases } from "./harness";
import { tempDirs } from "../support/tmp";
import { TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";

const offsite = (extra: Record<string, unknown>) => scaleway({ backups: { offsite: { enabled: true, bucket: "battery-offsite", ...extra } } });
/** A recipient whose identity is not the stack's backupIdentity (someone else's key, or a typo'd one). */
const FOREIGN = "age1gptl4u7zhhuepz63wfvxkm8rfg28vpd4rp055tlsryh2kq376fdslh8clf";

const CASES: Case[] = [
    refuse("credentials", "off-site copies without a recipient", offsite({}), "backups.offsite.recipient", /is required when backups\.offsite\.enabled is true/, ["backupIdentity"]),
    refuse("credentials", "an SSH key as the recipient", offsite({ recipient: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB" }), "backups.offsite.recipient", /must be an age public key/, ["backupIdentity"]),
    refuse("credentials", "a recipient that is not the identity's", offsite({ recipient: FOREIGN }), "backups.offsite.recipient", /is not the recipient of the secret backupIdentity/, ["backupIdentity"]),
    refuse("credentials", "off-site copies without the identity", offsite({ recipient: TEST_AGE_RECIPIENT }), "backupIdentity", /is required/),
    accept(
        "credentials",
        "off-site copies with the identity's recipient",
        offsite({ recipient: TEST_AGE_RECIPIENT }),
        (r) => {
            assert.equal(r.inputs("backups-offsite-credentials").stdin, "[secret]");
            assert.ok(r.file("/opt/platform/bin/backup.sh").includes(`recipient='${TEST_AGE_RECIPIENT}'`));
        },
        ["backupIdentity"],
    ),
];

const dir = tempDirs()(path.join(os.tmpdir(), "battery-offsite-"));
let results: CaseResult[] = [];
before(async () => {
    results = await renderCases(CASES, dir);
});

test("each refused stack file exits 2 naming the field, and never prints the identity", () => {
    for (const r of results.filter((x) => x.c.refused)) {
        assert.equal(r.status, 2, r.c.name);
        const line = r.problems.find((p) => p.startsWith(`${r.c.refused!.field}: `));
        assert.ok(line, `${r.c.name}: ${r.problems.join(" | ")}`);
        assert.match(line!, r.c.refused!.says, r.c.name);
        assert.ok(!r.problems.join("\n").includes(TEST_AGE_IDENTITY.slice(16)), `${r.c.name}: the identity is printed`);
    }
});

test("the accepted one renders; the identity is in no rendered file, the server's key only in the credentials' secret stdin", () => {
    const r = results.find((x) => !x.c.refused)!;
    assert.equal(r.status, 0, r.problems.join("\n"));
    r.c.lands!(readRendered(r.out), r.raw!);
    for (const { file, text } of everyFile(r.out)) assert.ok(!text.includes(TEST_AGE_IDENTITY.slice(16)), `the identity is in ${file}`);
});
