// backups.pitr with backups.offsite: accepted (the repository host carries WAL to the bucket), and
// pgBackRest's own bucket, named from the dumps' (`<bucket>-pitr`), must be a valid bucket name too.
import { test } from "node:test";
import { problems } from "../support/config-problems";
import assert from "node:assert/strict";
import { TEST_SERVER_ACCESS, TEST_AGE_RECIPIENT } from "../support/prod-stack";

const scaleway = { target: "scaleway", domain: "mhylle.com", server: TEST_SERVER_ACCESS };
const withBucket = (bucket: string) => ({ ...scaleway, backups: { pitr: { enabled: true }, offsite: { enabled: true, bucket, recipient: TEST_AGE_RECIPIENT } } });


test("pitr and the off-site copy together are accepted", () => {
    assert.deepEqual(problems(withBucket("mhylle-backups")), []);
});

test("a dumps' bucket name that leaves no room for pgBackRest's `-pitr` bucket is refused, naming the field, the name and the fix", () => {
    const long = "b".repeat(60);
    assert.deepEqual(problems({ ...scaleway, backups: { offsite: { enabled: true, bucket: long, recipient: TEST_AGE_RECIPIENT } } }), [], "control: alone, the 60-character name is valid");
    const found = problems(withBucket(long));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^backups\.offsite\.bucket: /);
    assert.match(found[0], new RegExp(`${long}-pitr`));
    assert.match(found[0], /at most 58 characters/);
});
