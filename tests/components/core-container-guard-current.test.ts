// The create-before-delete guard (nginx's servers) on the real Docker engine. pulumi-command re-runs
// the guard whenever its own text or connection changes (docs/engine-notes.md section 4), so it runs
// on `up`s that replace nothing: the server that holds the name then is the current one and must
// keep it (renamed, nothing would take the name back and the ready command would find no server).
// Only a same-named server with a newer one of its role beside it (the failed new half of an
// earlier change) is the old half pending delete, renamed so the way back can take its name.
import { after, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { guardScript } from "../../components/core-container";
import { NGINX_IMAGE, needsImages, ok, sh } from "../support/ops";

const skip = needsImages(NGINX_IMAGE);
const TAG = `opstest-guard-current-${process.pid}`;
const LABEL = `${TAG}.role=nginx`;
const name = (spec: string) => `${TAG}-${spec}`;
const guard = (spec: string) => sh("bash", ["-c", guardScript(name(spec), spec, 1, { id: "unused", ref: NGINX_IMAGE }, { label: LABEL })]);
const start = (n: string) => ok("docker", ["run", "-d", "--name", n, "--label", LABEL, "--entrypoint", "sleep", NGINX_IMAGE, "600"]).trim();
const nameOf = (id: string) => ok("docker", ["inspect", "-f", "{{.Name}} {{.State.Running}}", id]).trim();
const cleanup = () => {
    const ids = sh("docker", ["ps", "-aq", "--filter", `label=${LABEL}`]).stdout.split("\n").filter(Boolean);
    if (ids.length) sh("docker", ["rm", "-f", ...ids]);
};

beforeEach(() => {
    if (!skip) cleanup();
});
after(() => {
    if (!skip) cleanup();
});

test("the current server alone: the guard keeps its name, however often it runs", { skip }, () => {
    const id = start(name("aaa"));
    for (const round of [1, 2]) {
        const r = guard("aaa");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /is the current one of its role: kept/);
        assert.equal(nameOf(id), `/${name("aaa")} true`, `round ${round}`);
    }
    cleanup();
});

test("the current server with an older one of its role beside it (a delete still pending): kept", { skip }, () => {
    const older = start(name("aaa"));
    const current = start(name("bbb"));
    const r = guard("bbb");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(nameOf(current), `/${name("bbb")} true`);
    assert.equal(nameOf(older), `/${name("aaa")} true`);
    cleanup();
});

test("going back: the same-named server with a newer one beside it is renamed and keeps running", { skip }, () => {
    const old = start(name("aaa"));
    const failed = start(name("bbb"));
    ok("docker", ["stop", "-t", "1", failed]);
    const r = guard("aaa");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(nameOf(old), `/${name("aaa")}-replaced-${old.slice(0, 12)} true`);
    assert.equal(sh("docker", ["inspect", name("aaa")]).code === 0, false, "the name is free for the engine's create");
    cleanup();
});

test("no server of that name: the guard does nothing", { skip }, () => {
    const r = guard("ccc");
    assert.equal(r.code, 0, r.stderr);
});
