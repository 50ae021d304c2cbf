// The engine double's create-before-delete replacement, as pulumi v3.248.0 does it
// (docs/engine-notes.md section 25): the old resource is deleted only after every other step of
// the run, so what depends on the new one is created or updated first; a failed run keeps the old
// one in state, and the next successful run deletes it. A program's explicit deleteBeforeReplace,
// false included, overrides the provider's choice. Local commands only, no Docker.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Applier } from "../../tools/e2e/applier";
import { plan, StateEntry } from "../../tools/e2e/engine";
import type { RecordedOptions, RecordedResource } from "../../tools/record";
import { tempDirs } from "../support/tmp";

const tmp = tempDirs();
const COMMAND = "command:local:Command";
const CONTAINER = "docker:index/container:Container";
const options = (o: Partial<RecordedOptions> = {}): RecordedOptions => ({
    protect: false, retainOnDelete: false, dependsOn: [], dependsOnKeys: [], propertyDependencies: {}, propertyDependencyKeys: {},
    ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false, additionalSecretOutputs: [], customTimeouts: {}, ...o,
});
const resource = (type: string, name: string, inputs: Record<string, unknown>, o: Partial<RecordedOptions> = {}): RecordedResource => ({ key: `${type}::${name}`, type, name, inputs, custom: true, state: {}, options: options(o) });

test("a container's replacement deletes first (the provider's choice) unless the program sets deleteBeforeReplace: false", () => {
    const before = { name: "mhylle-nginx-aaa", image: "sha256:aaa" };
    const after = { name: "mhylle-nginx-bbb", image: "sha256:bbb" };
    const old: StateEntry = { type: CONTAINER, inputs: before, dependsOn: [], propertyDependencies: {}, protect: false, retainOnDelete: false };
    assert.equal(plan(resource(CONTAINER, "n", {}), after, old).deleteBeforeReplace, true);
    assert.equal(plan(resource(CONTAINER, "n", {}, { deleteBeforeReplace: false, deleteBeforeReplaceDefined: true }), after, old).deleteBeforeReplace, false);
    assert.equal(plan(resource(CONTAINER, "n", {}, { deleteBeforeReplace: true, deleteBeforeReplaceDefined: true }), after, old).deleteBeforeReplace, true);
});

/** A replaced command (its trigger names the version) and a dependent; every script appends to a log. */
function program(dir: string, version: string, dependentFails = false) {
    const log = path.join(dir, "log");
    const cmd = (line: string) => `echo ${JSON.stringify(line)} >>${JSON.stringify(log)}`;
    const server = resource(COMMAND, "server", { interpreter: ["/bin/bash", "-c"], create: cmd(`create server ${version}`), delete: cmd(`delete server ${version}`), triggers: [version] });
    const dependent = resource(COMMAND, "joins", { interpreter: ["/bin/bash", "-c"], create: `${cmd(`joins ${version}`)}${dependentFails ? "; exit 1" : ""}` }, { dependsOn: ["server"], dependsOnKeys: [server.key] });
    return { resources: [server, dependent], log: () => fs.readFileSync(log, "utf8").trim().split("\n") };
}

test("the old half of a replacement is deleted after the dependents of the new half ran", async () => {
    const dir = tmp(path.join(os.tmpdir(), "cbd-"));
    const applier = new Applier(path.join(dir, "state.json"));
    assert.equal((await applier.apply(program(dir, "1").resources)).ok, true);
    const p = program(dir, "2");
    const r = await applier.apply(p.resources);
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(p.log(), ["create server 1", "joins 1", "create server 2", "joins 2", "delete server 1"]);
    assert.deepEqual(r.steps.map((s) => `${s.op} ${s.name}`), ["replace server", "update joins", "delete server"]);
    assert.deepEqual(applier.stateNames.sort(), ["joins", "server"]);
});

test("a failed run keeps the old half (it keeps running) in state; the next successful run deletes it at its end", async () => {
    const dir = tmp(path.join(os.tmpdir(), "cbd-"));
    const applier = new Applier(path.join(dir, "state.json"));
    assert.equal((await applier.apply(program(dir, "1").resources)).ok, true);
    const failed = await applier.apply(program(dir, "2", true).resources);
    assert.equal(failed.ok, false);
    assert.deepEqual(program(dir, "2").log(), ["create server 1", "joins 1", "create server 2", "joins 2"]);
    assert.deepEqual(applier.stateNames.sort(), ["joins", "server", "server"]);
    const p = program(dir, "3");
    const r = await applier.apply(p.resources);
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(p.log().slice(4, 6), ["create server 3", "joins 3"]);
    assert.deepEqual(p.log().slice(6).sort(), ["delete server 1", "delete server 2"]);
    assert.deepEqual(applier.stateNames.sort(), ["joins", "server"]);
});
