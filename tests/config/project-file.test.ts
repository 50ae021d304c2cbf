// Pulumi.yaml and every shipped stack file pass pulumi's own project-config rules, which the CLI
// applies before the program runs on every preview, up and destroy (tests/support/pulumi-project.ts,
// read from pulumi v3.248's source). The project file as it was before the fix fails them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../config/load";
import { projectErrors, stackError } from "../support/pulumi-project";

const ROOT = path.join(__dirname, "../..");
const read = (file: string) => parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
const project = read("Pulumi.yaml");
const stackFiles = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));

test("the project file names the program's project and runtime", () => {
    assert.equal(project.name, "mhylle-platform");
    assert.equal(project.runtime.name, "nodejs");
});

test("the project file passes pulumi's project validation", () => {
    assert.deepEqual(projectErrors(project), []);
});

test("every shipped stack passes pulumi's stack config validation, and so does a stack that sets nothing", () => {
    assert.ok(stackFiles.length >= 2, stackFiles.join(", "));
    for (const file of stackFiles) assert.equal(stackError(project, file.split(".")[1], read(file).config ?? {}), undefined, file);
    assert.equal(stackError(project, "new", {}), undefined);
});

test("the project file before the fix fails every stack: a secret key with a plain default", () => {
    const before = parse(fs.readFileSync(path.join(ROOT, "tests/support/fixtures/Pulumi.yaml.before-engine-fix"), "utf8"));
    for (const file of stackFiles)
        assert.equal(stackError(before, file.split(".")[1], read(file).config ?? {}), `Stack '${file.split(".")[1]}' with configuration key 'backupAccessKey' must be encrypted as it's secret`);
});

test("pulumi's rules as implemented here catch each class of mistake", () => {
    const p = (config: Record<string, unknown>) => ({ name: "p", config: config as never });
    assert.deepEqual(projectErrors(p({ a: { type: "array" } })), ["The configuration key 'a' declares an array but does not specify the underlying type via the 'items' attribute"]);
    assert.deepEqual(projectErrors(p({ n: { type: "integer", default: "x" } })), ["The default value specified for configuration key 'n' is not of the expected type 'integer'"]);
    assert.match(stackError(p({ k: { type: "string" } }), "s", {}) ?? "", /Stack 's' is missing configuration value 'k'/);
    assert.equal(stackError(p({ k: { type: "string", secret: true } }), "s", { "p:k": { secure: "v1:abc" } }), undefined);
    assert.match(stackError(p({ l: { type: "array", items: { type: "string" } } }), "s", { "p:l": "x" }) ?? "", /must be of type 'array<string>'/);
});

test("no secret is declared (a declared one needs a default, which is plain), and structured keys carry no type", () => {
    for (const [key, decl] of Object.entries<any>(project.config)) {
        assert.notEqual(decl.secret, true, `${key} is declared secret`);
        if (decl.type !== undefined) assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key}: ${decl.type}`);
    }
});

test("every stack config key is declared with a description and a default, so none is required by accident", () => {
    for (const key of CONFIG_KEYS) {
        const decl = project.config?.[key];
        assert.ok(decl, `Pulumi.yaml does not declare ${key}`);
        assert.ok(typeof decl.description === "string" && decl.description.length > 10, `${key} has no description`);
        assert.ok("default" in decl, `${key} has no default`);
    }
});
