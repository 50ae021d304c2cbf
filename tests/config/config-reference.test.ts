// The config reference (docs/config.md) is generated from the schema (tools/docs.ts): it lists every
// field with its default and a description, and the file in the repository is the generated one.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { BEGIN, END, REFERENCE, firstDifference, reference, rows } from "../../tools/docs";
import { SECRET_KEYS } from "../../config/secrets";

const doc = fs.readFileSync(REFERENCE, "utf8");

test("docs/config.md is the reference the schema generates (run npm run docs when this fails)", () => {
    assert.ok(doc.includes(BEGIN) && doc.includes(END), "docs/config.md has no config-reference markers");
    const differs = firstDifference(doc);
    assert.equal(differs, undefined, `docs/config.md's config reference differs from config/schema.ts, first at ${differs}; run: npm run docs`);
});

test("a stale reference is caught and the first field that differs is named", () => {
    const stale = doc.replace(/^\| `acme\.warnDays` \| `14` \|/m, "| `acme.warnDays` | `15` |");
    assert.notEqual(stale, doc, "the reference lists acme.warnDays with its default 14");
    assert.equal(firstDifference(stale), "acme.warnDays");
    const missing = doc.replace(/^\| `backups\.minFreeMb` .*\n/m, "");
    assert.equal(firstDifference(missing), "backups.minFreeMb");
});

test("every config field has a description a user can read", () => {
    const undescribed = rows().filter((r) => r.description.trim().length < 15 || !/[.)]$/.test(r.description.trim()));
    assert.deepEqual(undescribed.map((r) => r.field), []);
});

test("a field without a default says whether it is required and when", () => {
    const silent = rows().filter((r) => r.default === "–" && r.values !== "object" && !/\b(required|optional)\b/i.test(r.description));
    assert.deepEqual(silent.map((r) => r.field), []);
});

test("every secret key the platform reads is listed as a secret with the command that sets it", () => {
    const section = reference();
    for (const key of Object.keys(SECRET_KEYS)) assert.match(section, new RegExp(`\\| \`${key}\` \\(secret\\) \\| .+ \\| \`pulumi config set --secret ${key} [^\`]+\` \\|`), key);
});
