// The stack files this repository ships: each reads as plain config, pins every image to a version
// (a tag like :latest moves between `pulumi preview` and `pulumi up`, so the preview would show one
// release and the up apply another), and ships no placeholder for what each user sets themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackFile } from "../../config/stack-file";
import { validateConfig } from "../../config/validate";
import { ConfigError } from "../../config/problem";

const ROOT = path.resolve(__dirname, "../..");
const STACK_FILES = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));

/** Every string in a config value, with where it sits. */
function strings(value: unknown, at: string): [string, string][] {
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
    return [];
}

test("the repository ships stack files for prod and local", () => {
    assert.deepEqual(STACK_FILES.sort(), ["Pulumi.local.yaml", "Pulumi.prod.yaml"]);
});

for (const file of STACK_FILES) {
    test(`${file}: no image on :latest`, () => {
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        assert.doesNotMatch(text, /:latest\b/);
        const latest = strings(readStackFile(path.join(ROOT, file)).raw, "").filter(([, v]) => /:latest(@|$)/.test(v));
        assert.deepEqual(latest, []);
    });

    test(`${file}: valid, or refused only for the SSH key and admin address a user sets`, () => {
        try {
            validateConfig(readStackFile(path.join(ROOT, file)).raw);
        } catch (err) {
            assert.ok(err instanceof ConfigError);
            const fields = err.problems.map((p) => p.field);
            assert.ok(fields.every((f) => ["server.sshPublicKey", "server.adminCidrs"].includes(f)), err.message);
            assert.ok(err.problems.every((p) => p.got === undefined || (Array.isArray(p.got) && !p.got.length)), `${file} ships a value that is refused: ${err.message}`);
        }
    });
}

test("YAML merge keys are read as Pulumi reads stack files (gopkg.in/yaml.v3, pulumi v3.248.0 sdk/go/common/encoding/marshal.go), which merges them: an app written once and merged into another", () => {
    const text = [
        "config:",
        "  mhylle-platform:target: local",
        "  mhylle-platform:apps:",
        "    - &app",
        "      name: app1",
        "      frontend: { image: \"ghcr.io/mhylle/app1-frontend:1.0.0\" }",
        "      backend: { image: \"ghcr.io/mhylle/app1-backend:1.0.0\" }",
        "    - <<: *app",
        "      name: app2",
        "",
    ].join("\n");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "merge-keys-")), "Pulumi.local.yaml");
    fs.writeFileSync(file, text);
    const apps = validateConfig(readStackFile(file).raw).apps;
    assert.deepEqual(apps.map((a) => [a.name, a.backend.image]), [["app1", "ghcr.io/mhylle/app1-backend:1.0.0"], ["app2", "ghcr.io/mhylle/app1-backend:1.0.0"]]);
});
