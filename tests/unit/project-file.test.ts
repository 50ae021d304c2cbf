// Pulumi.yaml declares every key of the stack config schema, each with a description and a default,
// so `pulumi config` documents the project and no declared key is required by accident.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../stacks/load";

const project = parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8"));

test("the project file names the program's project and runtime", () => {
    assert.equal(project.name, "mhylle-platform");
    assert.equal(project.runtime.name, "nodejs");
});

test("every stack config key is declared with a description and a default", () => {
    for (const key of [...CONFIG_KEYS, "sshPrivateKey", "backupAccessKey", "backupSecretKey"]) {
        const decl = project.config?.[key];
        assert.ok(decl, `Pulumi.yaml does not declare ${key}`);
        assert.ok(typeof decl.description === "string" && decl.description.length > 10, `${key} has no description`);
        assert.ok("default" in decl, `${key} has no default (Pulumi would require it in every stack)`);
    }
});

test("types are declared where Pulumi's project config can express them, never as object", () => {
    for (const [key, decl] of Object.entries<any>(project.config)) {
        if (decl.type !== undefined) assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key}: type ${decl.type} is not a Pulumi config type`);
        if (decl.type === "array") assert.ok(decl.items?.type, `${key}: an array needs items.type`);
    }
    assert.equal(project.config.target.type, "string");
    assert.equal(project.config.sshPrivateKey.secret, true);
});
