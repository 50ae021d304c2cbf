// nginx as a pod, under mocks (components/proxy.ts, proxy-holder.ts): the holder mhylle-nginx owns
// the ports and networks and keeps its image; the nginx server runs in its namespace, is replaced
// create-before-delete under a name of its spec, quits with SIGQUIT, and its ready command's
// delete retires whatever runs under the old name (the provider deletes by ID only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { prodConfig, recordProgram } from "../support/program";

test("the holder publishes the ports, joins nginx's network, sleeps, keeps its image, and sets tcp_migrate_req", async () => {
    const p = await recordProgram(prodConfig());
    const holder = p.byName("mhylle-nginx");
    const i = holder.inputs as Record<string, any>;
    assert.equal(i.name, "mhylle-nginx");
    assert.deepEqual(i.command, ["sleep", "infinity"]);
    assert.equal(i.init, true);
    assert.deepEqual(i.sysctls, { "net.ipv4.tcp_migrate_req": "1" });
    assert.deepEqual((i.ports as any[]).map((x) => x.internal).sort(), [443, 80, 8443].sort());
    assert.deepEqual((i.networksAdvanced as any[]).map((n) => n.name), ["mhylle-network"]);
    assert.deepEqual(i.capabilities.adds, []);
    assert.deepEqual(holder.options.ignoreChanges, ["image"]);
    assert.ok(i.labels.some((l: any) => l.label === "com.mhylle.platform" && l.value === "proxy-network"));
});

test("the nginx server shares the holder's namespace, publishes nothing, quits gracefully, and is created before the old one goes", async () => {
    const p = await recordProgram(prodConfig());
    const holder = p.byName("mhylle-nginx");
    const server = p.byName("mhylle-nginx-server");
    const i = server.inputs as Record<string, any>;
    assert.match(i.name, /^mhylle-nginx-server-[0-9a-f]{12}$/);
    // The mocks' ID of a container is its resource name and a hash: the holder's.
    assert.match(i.networkMode, new RegExp(`^container:${holder.name}-[0-9a-f]+$`));
    assert.equal(i.stopSignal, "SIGQUIT");
    assert.equal(i.ports, undefined);
    assert.equal(i.networksAdvanced, undefined);
    assert.equal(server.options.deleteBeforeReplace, false);
    assert.equal(server.options.deleteBeforeReplaceDefined, true);
    assert.ok(i.labels.some((l: any) => l.label === "com.mhylle.platform" && l.value === "proxy"));
    assert.ok(i.labels.some((l: any) => l.label === "com.mhylle.platform.spec" && i.name.endsWith(l.value)), "the name ends in the spec hash");
});

test("a new nginx image gives the server a new name (a replacement beside the old one), the holder the same inputs", async () => {
    const a = await recordProgram(prodConfig());
    const cfg = prodConfig();
    const b = await recordProgram({ ...cfg, images: { ...(cfg.images as object), nginx: "nginx:1.30.9" } });
    assert.notEqual(a.byName("mhylle-nginx-server").inputs.name, b.byName("mhylle-nginx-server").inputs.name);
    const { image: _a, ...holderA } = a.byName("mhylle-nginx").inputs as Record<string, unknown>;
    const { image: _b, ...holderB } = b.byName("mhylle-nginx").inputs as Record<string, unknown>;
    assert.deepEqual(holderA, holderB);
});

test("the server's ready command is replaced with it, and its delete stops and removes the old name", async () => {
    const p = await recordProgram(prodConfig());
    const name = p.byName("mhylle-nginx-server").inputs.name as string;
    const ready = p.byName("mhylle-nginx-server-ready").inputs as Record<string, any>;
    assert.deepEqual(ready.triggers, [name]);
    assert.match(ready.delete, new RegExp(`name='?${name}'?\\ndocker stop -t 30 "\\$name"`));
    assert.match(ready.delete, /docker rm -f "\$name"/);
});

test("apps join the holder, not the server", async () => {
    const p = await recordProgram(prodConfig());
    const attach = p.byName("app1-proxy-attach").inputs.create as string;
    assert.match(attach, /c='?mhylle-nginx'? /);
    const holderId = (p.byName("mhylle-nginx-server").inputs.networkMode as string).slice("container:".length);
    assert.match(attach, new RegExp(`is container ${holderId}\n`));
});
