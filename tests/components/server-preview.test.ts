// Preview of a server joining a private network in place (the managed database turned on, or a load
// balancer's network added to a running server). The bridge's Update in preview returns the proposed
// state, where the instance's computed `privateIps` keeps its prior, empty value until the provider's
// Read (docs/engine-notes.md "Preview: computed outputs"): the program must not throw on it, and what
// depends on the private IP is unknown. At `up`, after Read, an empty list is still an error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";

const ROOT = path.resolve(__dirname, "../..");

function run(scenario: string) {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "server-preview-run.ts"), scenario], { cwd: ROOT, encoding: "utf8" });
    const last = r.stdout.trim().split("\n").pop() ?? "";
    assert.ok(last.startsWith("{"), `no result from ${scenario}: ${r.stderr}`);
    return JSON.parse(last);
}

test("preview of the managed database turned on for a running server: no throw, the private IP unknown", () => {
    const r = run("join-preview");
    assert.equal(r.crashed, undefined);
    assert.equal(r.preview, true);
    // The double modelled the update: the instance kept its prior, empty list.
    assert.deepEqual(r.sawPrivateIps, []);
    assert.deepEqual(r.rejections, []);
    assert.equal(r.known, false);
});

test("preview of a running server going behind a new load balancer with a second server: no throw, the backend's server IPs unknown", () => {
    const r = run("scale-out-preview");
    assert.equal(r.crashed, undefined);
    assert.deepEqual(r.sawPrivateIps, []);
    assert.deepEqual(r.rejections, []);
    assert.equal(r.known, false);
    // Both entries unknown: the first server's (prior, empty list) and the new second server's.
    assert.equal(r.backendServerIps.length, 2);
    // pulumi.unknown as the mock received it, printed as JSON.
    for (const ip of r.backendServerIps) assert.deepEqual(ip, { __pulumiUnknown: true });
});

test("first preview of a new stack with the managed database: the instance's privateIps and the private IP unknown", () => {
    const r = run("first-preview");
    assert.equal(r.crashed, undefined);
    assert.equal(r.sawPrivateIps, unknownValue);
    assert.deepEqual(r.rejections, []);
    assert.equal(r.known, false);
});

test("preview of a server already on the network: the private IP from state, known", () => {
    const r = run("steady-preview");
    assert.deepEqual(r.rejections, []);
    assert.equal(r.known, true);
    assert.equal(r.value, "172.16.0.10");
});

test("up after the update with no private IPv4 read back: the program still fails, naming it", () => {
    const r = run("join-up-empty");
    assert.equal(r.preview, false);
    const failures = [...r.rejections, String(r.known)];
    assert.ok(failures.some((m: string) => /the server has no private IPv4 address on its private network/.test(m)), JSON.stringify(r));
});
