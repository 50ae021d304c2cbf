// The engine double (tools/e2e) plans each resource as the real engine would, from the providers'
// property rules, and maps containers to Docker one for one. No Docker needed here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { containerArgs } from "../../tools/e2e/container-args";
import { changedInputs, dependentReplacements, layers, plan, priorOutputs, StateEntry } from "../../tools/e2e/engine";
import type { RecordedOptions, RecordedResource } from "../../tools/record";
import { prodConfig, recordProgram } from "../support/program";

const options = (o: Partial<RecordedOptions> = {}): RecordedOptions => ({
    protect: false,
    retainOnDelete: false,
    dependsOn: [],
    dependsOnKeys: [],
    propertyDependencies: {},
    propertyDependencyKeys: {},
    ignoreChanges: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    additionalSecretOutputs: [],
    customTimeouts: {},
    ...o,
});
const resource = (type: string, name: string, inputs: Record<string, unknown>, o: Partial<RecordedOptions> = {}): RecordedResource => ({ key: `${type}::${name}`, type, name, inputs, custom: true, state: {}, options: options(o) });
const state = (r: RecordedResource, inputs: Record<string, unknown>, extra: Partial<StateEntry> = {}): StateEntry => ({ type: r.type, inputs, dependsOn: [], propertyDependencies: {}, protect: r.options.protect, retainOnDelete: false, ...extra });

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const nginx = { name: "mhylle-nginx", image: "sha256:aaa", memory: 128, restart: "unless-stopped", healthcheck: { tests: ["CMD", "true"] } };

test("a new image replaces a container, deleting the old one first; memory is changed in place", () => {
    const r = resource(CONTAINER, "mhylle-nginx", {});
    assert.deepEqual(plan(r, { ...nginx, image: "sha256:bbb" }, state(r, nginx)), { op: "replace", changed: ["image"], noEffect: false, deleteBeforeReplace: true });
    assert.deepEqual(plan(r, { ...nginx, memory: 256 }, state(r, nginx)), { op: "update", changed: ["memory"], noEffect: false, deleteBeforeReplace: true });
    assert.equal(plan(r, nginx, state(r, nginx)).op, "same");
});

test("a health check change does nothing to the running container, unless replaceOnChanges names it", () => {
    const changed = { ...nginx, healthcheck: { tests: ["CMD", "false"] } };
    const plain = resource(CONTAINER, "c", {});
    assert.deepEqual(plan(plain, changed, state(plain, nginx)), { op: "update", changed: ["healthcheck"], noEffect: true, deleteBeforeReplace: true });
    const guarded = resource(CONTAINER, "c", {}, { replaceOnChanges: ["healthcheck", "tmpfs"] });
    assert.equal(plan(guarded, changed, state(guarded, nginx)).op, "replace");
});

test("a command's script change updates it (runs again); a trigger change replaces it, create before delete", () => {
    const r = resource(COMMAND, "x", {});
    const before = { interpreter: ["/bin/bash", "-c"], create: "echo 1", triggers: ["a"] };
    assert.deepEqual(plan(r, { ...before, create: "echo 2" }, state(r, before)), { op: "update", changed: ["create"], noEffect: false, deleteBeforeReplace: false });
    assert.deepEqual(plan(r, { ...before, triggers: ["b"] }, state(r, before)), { op: "replace", changed: ["triggers"], noEffect: false, deleteBeforeReplace: false });
});

test("a property the rules do not know fails loudly instead of guessing", () => {
    const r = resource(CONTAINER, "c", {});
    assert.throws(() => plan(r, { ...nginx, madeUp: 1 }, state(r, nginx)), /does not know what a change to madeUp does/);
    assert.throws(() => plan(resource("aws:s3/bucket:Bucket", "b", {}), {}, undefined), /knows no property rules/);
});

test("a protected resource is never replaced: the change fails, as the engine's does", () => {
    const r = resource(CONTAINER, "c", {}, { protect: true });
    assert.throws(() => plan(r, { ...nginx, image: "sha256:new" }, state(r, nginx)), /unable to replace resource "c" as it is currently marked for protection/);
});

test("ignoreChanges paths keep their old values before the diff, top-level or nested", () => {
    assert.deepEqual(changedInputs({ image: "a", rootVolume: { sizeInGb: 40, type: "l" } }, { image: "b", rootVolume: { sizeInGb: 80, type: "l" } }, ["image", "rootVolume.sizeInGb"]), []);
    assert.deepEqual(changedInputs({ image: "a", tags: ["x"] }, { image: "b", tags: ["y"] }, ["image"]), ["tags"]);
});

test("a failed container create that left the container (init error) is updated next time, changing nothing", () => {
    const r = resource(CONTAINER, "c", {});
    assert.deepEqual(plan(r, nginx, state(r, nginx, { initError: true })), { op: "update", changed: [], noEffect: true, deleteBeforeReplace: true });
});

test("delete-before-replace takes down first what would be replaced with it (a property dependency on a replacing input)", () => {
    const net = resource("docker:index/network:Network", "n", {});
    const onIt = resource(CONTAINER, "c", {}, { propertyDependencyKeys: { networksAdvanced: [net.key] } });
    const attach = resource(COMMAND, "attach", {}, { propertyDependencyKeys: { create: [net.key] } });
    const ordered = resource(CONTAINER, "d", {}, { dependsOnKeys: [net.key] });
    assert.deepEqual(dependentReplacements(net.key, [net, onIt, attach, ordered]), [onIt.key]);
});

test("layers order creates forwards and deletes backwards; a cycle is refused", () => {
    const deps: Record<string, string[]> = { a: [], b: ["a"], c: ["a"], d: ["b", "c"] };
    assert.deepEqual(layers(["d", "c", "b", "a"], (n) => deps[n]).map((l) => l.sort()), [["a"], ["b", "c"], ["d"]]);
    assert.throws(() => layers(["x", "y"], (n) => (n === "x" ? ["y"] : ["x"])), /dependency cycle/);
});

test("an unknown container input fails loudly in the Docker mapping too", () => {
    const r = resource(CONTAINER, "c", {});
    assert.throws(() => containerArgs(r, { name: "c", image: "i:1", privileged: true }), /does not understand privileged/);
    assert.throws(() => containerArgs(r, { name: "c", image: "i:1", volumes: [{ hostPath: "/x", containerPath: "/y", bindOptions: {} }] }), /does not understand bindOptions/);
    assert.throws(() => containerArgs(r, { name: "c", image: "i:1", healthcheck: { tests: ["CMD-SHELL", "true"] } }), /CMD-SHELL not understood/);
});

test("the declared nginx containers (holder and server) map to docker flags one for one", async () => {
    const p = await recordProgram(prodConfig());
    const holder = p.byName("mhylle-nginx");
    const h = containerArgs(holder, holder.inputs as Record<string, any>);
    for (const flag of ["--restart=unless-stopped", "--read-only", "--cap-drop=ALL", "--init", "--sysctl=net.ipv4.tcp_migrate_req=1", "--publish=0.0.0.0:80:80/tcp", "--publish=0.0.0.0:443:443/tcp", "--network=mhylle-network"])
        assert.ok(h.create.includes(flag), `missing ${flag} in ${h.create.join(" ")}`);
    assert.deepEqual(h.create.slice(-2), ["sleep", "infinity"]);
    const server = p.byName("mhylle-nginx-server");
    const { create, extraNetworks } = containerArgs(server, server.inputs as Record<string, any>);
    for (const flag of ["--restart=unless-stopped", "--memory=128m", "--read-only", "--cap-drop=ALL", "--cap-add=NET_BIND_SERVICE", "--security-opt=no-new-privileges:true", "--stop-signal=SIGQUIT", "--log-opt=max-size=10m"])
        assert.ok(create.includes(flag), `missing ${flag} in ${create.join(" ")}`);
    // In the holder's namespace, by its ID (a mock ID here).
    assert.ok(create.some((f) => /^--network=container:\S+$/.test(f) && !f.endsWith("undefined")), create.join(" "));
    assert.ok(!create.some((f) => f.startsWith("--publish")), "the server publishes nothing: the holder does");
    assert.deepEqual(extraNetworks, []);
    assert.match(create.at(-6)!, /^sha256:[0-9a-f]{64}$/, "the image ID the RemoteImage pulled");
    assert.deepEqual(create.slice(-5), ["nginx", "-g", "daemon off;", "-c", "/etc/nginx/platform/nginx.conf"]);
});

test("a core container's guard waits for its RemoteImage in the double's order, so a failed pull cancels it before anything is stopped", async () => {
    const p = await recordProgram(prodConfig());
    const guards = p.resources.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-guard"));
    assert.ok(guards.length >= 3, "nginx, postgres and watchtower guards recorded");
    for (const g of guards) {
        const image = p.byName(g.name.replace(/-guard$/, "-image"));
        assert.ok(g.options.dependsOnKeys.includes(image.key), `${g.name} depends on ${image.key} in the applier's order`);
        // The order the applier runs steps in (inDependencyOrder over dependsOnKeys): the image first.
        const order = layers([g.key, image.key], (k) => (k === g.key ? g.options.dependsOnKeys : []));
        assert.deepEqual(order, [[image.key], [g.key]]);
    }
});

/** A day-2 preview of the end-to-end stack over the state its last `up` left (engine-double-preview-run.ts), once per change. */
const previews = new Map<string, { seen: Record<string, Record<string, unknown>>; steps: { name: string; op: string; changed?: string[] }[] }>();
function previewOf(change: "app3" | "nginx") {
    if (!previews.has(change)) {
        const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "engine-double-preview-run.ts"), change], { cwd: path.resolve(__dirname, "../.."), encoding: "utf8" });
        const out = JSON.parse(r.stdout.trim().split("\n").pop() || "{}");
        assert.equal(out.crashed, undefined, r.stderr);
        previews.set(change, out);
    }
    return previews.get(change)!;
}
const LOCAL_COMMAND = "command:local:Command";
const PASSWORD = "random:index/randomPassword:RandomPassword";

test("preview of a day-2 change (an app added) feeds the state's outputs: an update keeps its computed ones, a new resource's are unknown", () => {
    const { seen, steps } = previewOf("app3");
    // The proxy's config command is updated in place: its stdout is the last up's, not a fresh value.
    assert.deepEqual(steps.find((s) => s.name === "proxy-config"), { name: "proxy-config", type: LOCAL_COMMAND, op: "update", changed: ["stdin"] });
    assert.equal(seen[`${LOCAL_COMMAND}::proxy-config`].stdout, "last up: proxy-config");
    // The new app's password and its database command are created: their computed outputs unknown.
    assert.equal(steps.find((s) => s.name === "app3-db-password")?.op, "create");
    assert.equal(seen[`${PASSWORD}::app3-db-password`].result, unknownValue);
    assert.equal(seen[`${LOCAL_COMMAND}::app3-database`].stdout, unknownValue);
    // What is unchanged keeps its outputs, so nothing of the running apps shows a change.
    assert.equal(seen[`${LOCAL_COMMAND}::app1-database`].stdout, "last up: app1-database");
    assert.deepEqual(steps.filter((s) => /^app[12]-/.test(s.name)), []);
});

test("preview of a replacement: the new image's ID is unknown, though state holds the old one, so the container on it shows replace", () => {
    const { seen, steps } = previewOf("nginx");
    assert.equal(steps.find((s) => s.name === "mhylle-nginx-server-image")?.op, "replace");
    assert.equal(seen["docker:index/remoteImage:RemoteImage::mhylle-nginx-server-image"].imageId, unknownValue);
    const nginx = steps.find((s) => s.name === "mhylle-nginx-server");
    assert.equal(nginx?.op, "replace");
    assert.ok(nginx?.changed?.includes("image"), JSON.stringify(nginx));
    // The holder keeps its image (ignoreChanges): the ports stay where they are.
    assert.equal(steps.find((s) => s.name === "mhylle-nginx"), undefined, JSON.stringify(steps));
});

test("a built image updated in preview hands back its new inputs only (pulumi-docker's Update without buildOnPreview): its repoDigest is unknown", () => {
    const IMAGE = "docker:index/image:Image";
    const r = resource(IMAGE, "app1-frontend-image", {});
    const before = { imageName: "local/app1-frontend", build: { context: "/a" }, skipPush: true };
    const s = { [r.key]: state(r, before, { outputs: { ...before, repoDigest: "sha256:old" } }) };
    assert.deepEqual(priorOutputs(s, r, before), { ...before, repoDigest: "sha256:old" });
    assert.deepEqual(priorOutputs(s, r, { ...before, build: { context: "/b" } }), {});
    assert.equal(priorOutputs({}, r, before), undefined);
});
