// The local stack under mocks: no cloud resources, the local Docker engine, commands run here.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { CONTAINER, LOCAL_COMMAND, REMOTE_COMMAND, Recorded, recordProgram, stackConfig } from "../support/program";

let p: Recorded;
before(async () => {
    p = await recordProgram(stackConfig("local"), {});
});

test("no Scaleway resource and no SSH command", () => {
    assert.deepEqual(p.resources.filter((r) => r.type.startsWith("scaleway:")).map((r) => r.name), []);
    assert.deepEqual(p.ofType(REMOTE_COMMAND), []);
    assert.ok(p.ofType(LOCAL_COMMAND).length > 0);
});

test("the Docker provider talks to the local socket", () => {
    const provider = p.byName("local-docker");
    assert.equal(provider.type, "pulumi:providers:docker");
    assert.match(String(provider.inputs.host), /^unix:\/\/|^tcp:\/\/|^ssh:\/\//);
});

test("nginx publishes only on 127.0.0.1:8080 and :8443", () => {
    const ports = (p.byName("mhylle-nginx").inputs.ports as any[]).map((x) => `${x.ip}:${x.external}->${x.internal}`);
    assert.deepEqual(ports, ["127.0.0.1:8080->80", "127.0.0.1:8443->443"]);
    for (const c of p.ofType(CONTAINER).filter((c) => c.name !== "mhylle-nginx")) assert.deepEqual(c.inputs.ports ?? [], [], c.name);
});

test("a local folder stands in for /opt/platform", () => {
    const root = path.resolve(".platform-data");
    const mounts = (p.byName("mhylle-nginx").inputs.volumes as any[]).filter((v) => v.hostPath).map((v) => v.hostPath);
    assert.ok(mounts.length >= 4);
    assert.ok(mounts.every((m: string) => m.startsWith(root + "/")), mounts.join(", "));
});

test("both apps are declared with their database, routes and releases", () => {
    for (const app of ["app1", "app2"]) {
        for (const name of [`${app}-network`, `${app}-database`, `${app}-proxy-attach`, `${app}-frontend-release`, `${app}-backend-release`]) assert.ok(p.byName(name));
    }
});
