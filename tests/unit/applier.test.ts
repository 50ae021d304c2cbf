// The local applier maps declared settings to Docker exactly, and refuses what it does not know.
import { test } from "node:test";
import assert from "node:assert/strict";
import { containerArgs } from "../../tools/e2e/applier";
import type { RecordedResource } from "../../tools/record";
import { Recorded, recordProgram } from "../support/program";
import { prodConfig } from "../support/prod-stack";

const fake = (inputs: Record<string, unknown>): RecordedResource => ({
    type: "docker:index/container:Container",
    name: "c",
    inputs,
    custom: true,
    state: {},
    options: { protect: false, retainOnDelete: false, dependsOn: [], propertyDependencies: {}, ignoreChanges: [], additionalSecretOutputs: [], customTimeouts: {} },
});

test("an unknown container property fails loudly", () => {
    assert.throws(() => containerArgs(fake({}), { name: "c", image: "i:1", privileged: true }), /does not understand privileged/);
    assert.throws(() => containerArgs(fake({}), { name: "c", image: "i:1", volumes: [{ hostPath: "/x", containerPath: "/y", bindOptions: {} }] }), /does not understand bindOptions/);
    assert.throws(() => containerArgs(fake({}), { name: "c", image: "i:1", healthcheck: { tests: ["CMD-SHELL", "true"] } }), /CMD-SHELL not understood/);
});

test("the declared nginx container maps to docker flags one for one", async () => {
    const p: Recorded = await recordProgram(prodConfig());
    const nginx = p.byName("mhylle-nginx");
    const { create, extraNetworks } = containerArgs(nginx, nginx.inputs as Record<string, any>);
    for (const flag of ["--restart=unless-stopped", "--memory=128m", "--read-only", "--cap-drop=ALL", "--cap-add=NET_BIND_SERVICE", "--security-opt=no-new-privileges:true", "--publish=0.0.0.0:80:80/tcp", "--publish=0.0.0.0:443:443/tcp", "--network=mhylle-network", "--log-opt=max-size=10m"])
        assert.ok(create.includes(flag), `missing ${flag} in ${create.join(" ")}`);
    assert.deepEqual(extraNetworks, []);
    assert.deepEqual(create.slice(-6), ["nginx:1", "nginx", "-g", "daemon off;", "-c", "/etc/nginx/platform/nginx.conf"]);
});
