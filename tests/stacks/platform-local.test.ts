// The local stack under mocks: no cloud resources, the local Docker engine, commands run here.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
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

test("nginx publishes only on 127.0.0.1:8080, :8443 and the status page's own :9443", () => {
    const ports = (p.byName("mhylle-nginx").inputs.ports as any[]).map((x) => `${x.ip}:${x.external}->${x.internal}`);
    assert.deepEqual(ports, ["127.0.0.1:8080->80", "127.0.0.1:8443->443", "127.0.0.1:9443->8443"]);
    for (const c of p.ofType(CONTAINER).filter((c) => c.name !== "mhylle-nginx")) assert.deepEqual(c.inputs.ports ?? [], [], c.name);
});

test("a local folder stands in for /opt/platform", () => {
    const root = path.resolve(".platform-data");
    const mounts = (p.byName("mhylle-nginx-server").inputs.volumes as any[]).filter((v) => v.hostPath).map((v) => v.hostPath);
    assert.ok(mounts.length >= 4);
    assert.ok(mounts.every((m: string) => m.startsWith(root + "/")), mounts.join(", "));
});

test("both apps are declared with their database, routes and releases", () => {
    for (const app of ["app1", "app2"]) {
        for (const name of [`${app}-network`, `${app}-database`, `${app}-proxy-attach`, `${app}-frontend-release`, `${app}-backend-release`]) assert.ok(p.byName(name));
    }
});

test("the demo apps are built from the repository's Dockerfiles: no registry, no login", () => {
    const images = p.ofType("docker:index/image:Image");
    assert.deepEqual(images.map((i) => i.name).sort(), ["app1-backend-image", "app1-frontend-image", "app2-backend-image", "app2-frontend-image"]);
    for (const image of images) {
        const build = image.inputs.build as { context: string; dockerfile: string; args: Record<string, string> };
        assert.equal(image.inputs.skipPush, true, image.name);
        assert.equal(build.context, path.resolve("demo"), "one context: the two services share demo/shared");
        assert.equal(build.dockerfile, path.resolve("demo", image.name.includes("frontend") ? "frontend" : "backend", "Dockerfile"));
    }
    // Each release runs the image it built: its ID is in the release's text, so a rebuild releases.
    const release = String(p.byName("app1-backend-release").inputs.create);
    assert.match(release, /^app='app1' service='backend' image='sha256:[0-9a-f]{64}'$/m);
    assert.ok(p.byName("app1-backend-release").options.dependsOn.includes("app1-backend-image"));
    const shipped = fs.readFileSync(path.join(__dirname, "../../Pulumi.local.yaml"), "utf8");
    assert.doesNotMatch(shipped, /^\s*image:/m, "no registry image in the local stack");
});

test("the stack's URLs are this machine's HTTPS port, and the data folder is made first and removed last", () => {
    assert.deepEqual(p.outputs.urls, ["https://127.0.0.1:8443/app1/", "https://127.0.0.1:8443/app2/"]);
    const data = p.byName("local-data");
    assert.match(String(data.inputs.delete), /for d in 'backups' 'bin' 'certs' 'logs' 'nginx' 'nginx-previous' 'nginx-staging' 'nginx-upstreams' 'secrets' 'state' 'status-page'; do/);
    assert.match(String(data.inputs.delete), /rmdir -- "\$root"/, "the folder itself only if nothing else is in it");
    for (const c of [...p.ofType(LOCAL_COMMAND).filter((c) => c.name !== "local-data"), ...p.ofType(CONTAINER)]) assert.ok(c.options.dependsOn.includes("local-data"), c.name);
});

test("a local destroy removes what it made: no volume is kept or protected", () => {
    const volumes = p.ofType("docker:index/volume:Volume");
    assert.ok(volumes.some((v) => v.name === "postgres-data"), volumes.map((v) => v.name).join(", "));
    for (const v of volumes) assert.deepEqual([v.options.protect, v.options.retainOnDelete], [false, false], v.name);
});
