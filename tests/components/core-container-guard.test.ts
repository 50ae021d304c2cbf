// The core-container guard on the real Docker engine: it stops an old nginx or PostgreSQL only once
// the new image is on the server. A pull that failed (the image absent) leaves the old container
// running and fails the guard, naming the image, so `up` stops there with the site still up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { guardScript } from "../../components/core-container";
import { SPEC_LABEL } from "../../config/naming";
import { NGINX_IMAGE, needsImages, ok, removeContainers, sh } from "../support/ops";

const skip = needsImages(NGINX_IMAGE);
const NAME = `opstest-guard-${process.pid}`;
// Never pulled or built anywhere: stands for a reference whose pull failed.
const MISSING = { id: "sha256:" + "0".repeat(63) + "1", ref: "registry.invalid/opstest/nginx:9.9@sha256:" + "0".repeat(63) + "1" };

const running = () => sh("docker", ["inspect", "-f", "{{.State.Running}}", NAME]).stdout.trim();

before(() => {
    if (skip) return;
    removeContainers(NAME);
    ok("docker", ["run", "-d", "--name", NAME, "--label", "opstest=1", "--label", `${SPEC_LABEL}=old-spec`, "--entrypoint", "sleep", NGINX_IMAGE, "600"]);
});
after(() => {
    if (!skip) removeContainers(NAME);
});

test("a replacement whose image is not on the server stops nothing and fails naming the image", { skip }, () => {
    const r = sh("bash", ["-c", guardScript(NAME, "new-spec", 1, MISSING)]);
    assert.notEqual(r.code, 0, "the guard must fail so `up` stops before the container is replaced");
    assert.match(r.stderr, new RegExp(MISSING.ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.equal(running(), "true", "the old container keeps running");
});

test("with the new image on the server, the guard removes the same-named container of another spec", { skip }, () => {
    const id = ok("docker", ["image", "inspect", "-f", "{{.Id}}", NGINX_IMAGE]).trim();
    const r = sh("bash", ["-c", guardScript(NAME, "new-spec", 1, { id, ref: NGINX_IMAGE })]);
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(sh("docker", ["inspect", NAME]).code, 0, "the old container is gone");
});
