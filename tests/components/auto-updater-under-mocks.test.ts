// Watchtower (issue 23, item 13), as the program declares it under mocks: what the container may
// do (the Docker socket it needs and nothing more: no capabilities, read-only, no published port,
// no HTTP API, no lifecycle hooks, only its scope's opted-in containers), and what it runs: its
// image stays at the digest the last `up` ran until config names another, so the weekly `up`
// never moves it unreviewed (stacks/held-images.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { record, RecordedResource } from "../../tools/record";
import { prodConfig } from "../support/prod-stack";
import { WATCHTOWER_CONTAINER } from "../../config/naming";

const HELD = `nickfedor/watchtower:1@sha256:${"a".repeat(64)}`;
const NEWER = `sha256:${"b".repeat(64)}`;

/** One `up` under mocks: the registry says the tag moved to NEWER; `previous` is the last `up`'s heldImages output. */
async function up(raw: Record<string, unknown>, previous?: Record<string, string>) {
    const { program } = await import("../../stacks/program");
    const asked: string[] = [];
    const { resources, result } = await record(raw, () => program(), {
        secrets: {},
        registry: { "nickfedor/watchtower:1": NEWER, "nickfedor/watchtower:1.13": NEWER },
        onLookup: (image) => asked.push(image),
        outputs: (type, name) => (type === "pulumi:pulumi:StackReference" && name === "servers-before" ? { outputs: previous ? { heldImages: previous } : {}, secretOutputNames: [] } : undefined),
    });
    const image = resources.find((r) => r.type === "docker:index/remoteImage:RemoteImage" && String(r.inputs.name).startsWith("nickfedor/watchtower"))!;
    const outputs = await new Promise<Record<string, any>>((resolve) => require("@pulumi/pulumi").output(result).apply(resolve));
    return { resources, image: String(image.inputs.name), asked, held: outputs.heldImages };
}

test("the weekly up keeps Watchtower at the digest the last up ran, though its tag moved; the registry is not asked", async () => {
    const r = await up(prodConfig(), { "images.watchtower": HELD });
    assert.equal(r.image, HELD);
    assert.ok(!r.asked.includes("nickfedor/watchtower:1"), r.asked.join(", "));
    // The pooler's base is held too (tests/stacks/pooler-plan.test.ts); here only Watchtower's entry.
    assert.equal(r.held["images.watchtower"], HELD, "exported again for the next run");
});

test("the first up pins the tag's digest and exports it for the next run", async () => {
    const r = await up(prodConfig());
    assert.equal(r.image, `nickfedor/watchtower:1@${NEWER}`);
    assert.equal(r.held["images.watchtower"], `nickfedor/watchtower:1@${NEWER}`);
});

test("a reviewed config change moves it: another tag is pinned afresh, a digest is taken as written", async () => {
    const tagged = await up({ ...prodConfig(), images: { watchtower: "nickfedor/watchtower:1.13" } }, { "images.watchtower": HELD });
    assert.equal(tagged.image, `nickfedor/watchtower:1.13@${NEWER}`);
    const digest = `nickfedor/watchtower:1@sha256:${"c".repeat(64)}`;
    assert.equal((await up({ ...prodConfig(), images: { watchtower: digest } }, { "images.watchtower": HELD })).image, digest);
});

test("the other core images are still pinned afresh at every up", async () => {
    const r = await up(prodConfig(), { "images.watchtower": HELD });
    assert.ok(r.asked.some((i) => i.startsWith("nginx:")) && r.asked.some((i) => i.startsWith("postgres:")), r.asked.join(", "));
});

function watchtower(resources: RecordedResource[]) {
    return resources.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === WATCHTOWER_CONTAINER)!;
}

test("the container: the Docker socket and nothing more; no capability, read-only, no port, no HTTP API or hooks, its scope only", async () => {
    const c = watchtower((await up(prodConfig())).resources).inputs as Record<string, any>;
    assert.deepEqual(c.volumes, [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }]);
    assert.deepEqual(c.capabilities, { drops: ["ALL"], adds: [] });
    assert.equal(c.readOnly, true);
    assert.deepEqual(c.securityOpts, ["no-new-privileges:true"]);
    assert.equal(c.memory, 64);
    assert.equal(c.ports, undefined, "publishes nothing");
    const envs: string[] = c.envs;
    assert.ok(envs.includes("WATCHTOWER_LABEL_ENABLE=true") && envs.includes("WATCHTOWER_SCOPE=mhylle"), envs.join(" "));
    assert.deepEqual(envs.filter((e) => /HTTP_API|LIFECYCLE_HOOKS|REVIVE_STOPPED|INCLUDE_STOPPED|DOCKER_HOST|REGISTRY/.test(e)), []);
    assert.equal(c.command, undefined, "no container names or flags beyond the environment");
});
