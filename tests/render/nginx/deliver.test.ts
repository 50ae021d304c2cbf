// The production delivery script against a real nginx container (a `docker` shim maps
// `docker exec mhylle-nginx nginx ...` to the sandbox's container): a broken config is never loaded and
// traffic keeps flowing; a good one is reloaded gracefully, never restarted.
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { NGINX_WORKER_UID } from "../../../render/nginx/cert-access";
import { needs, needsImages } from "../../support/requirements";
import * as h from "../../support/nginx";
import { get } from "../../support/http-client";

const skip = needs("docker", "openssl", "setfacl", "getfacl", "root") || needsImages(h.NGINX_IMAGE);
let sb: h.Sandbox;
let nginx: h.RunningNginx;
const echoes: h.Echo[] = [];

const base = () => ({ domain: "example.test", apps: [h.app("app1", {}, sb)] });
const https = (p: string) => get(`https://127.0.0.1:${sb.ports.https}${p}`, { host: "example.test" });
const masterPid = () => fs.readFileSync(sb.options.pidFile, "utf8").trim();

before(async () => {
    if (skip) return;
    sb = await h.sandbox();
    for (const [app, svc] of [["app1", "frontend"], ["app1", "backend"], ["app2", "frontend"], ["app2", "backend"]] as const) {
        echoes.push(await h.slot(sb, app, svc));
    }
    const first = h.deliver(sb, h.config(base()));
    assert.equal(first.status, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /reloaded/, "nothing to reload before nginx runs");
    nginx = await h.startNginx(sb);
});

after(async () => {
    if (skip) return;
    await nginx?.stop();
    await Promise.all(echoes.map((e) => e.close()));
    h.cleanup(sb);
});

test("adding an app reloads nginx in place: same master process, new route live", { skip }, async () => {
    const pid = masterPid();
    const staging = fs.statSync(sb.options.paths.staging).ino;
    assert.equal((await https("/app2/")).status, 404);
    const r = h.deliver(sb, h.config({ ...base(), apps: [h.app("app1", {}, sb), h.app("app2", {}, sb)] }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nginx reloaded/);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await https("/app2/")).status;
        if (status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(status, 200, "new route served after the reload");
    assert.equal(masterPid(), pid, "nginx was reloaded, not restarted");
    assert.equal(fs.statSync(sb.options.paths.staging).ino, staging, "staging folder kept (it is a bind mount)");
});

test("a config that fails nginx -t is never loaded: the script fails with nginx's message, traffic keeps flowing", { skip }, async () => {
    const live = fs.readFileSync(path.join(sb.options.paths.config, "routes/app1.conf"), "utf8");
    const pid = masterPid();
    // A CSP per app is free text to nginx; a route to an upstream that does not exist is not.
    const broken = h.deliver(sb, h.config({ ...base(), apps: [h.app("app1", {}, sb), h.app("app2", {}, sb)] }), (files) => [
        ...files,
        { path: "routes/zz-broken.conf", content: "location /broken/ { proxy_pass http://no_such_upstream; }\n" },
    ]);
    assert.notEqual(broken.status, 0, "delivery must fail");
    assert.match(broken.stderr, /nginx rejected the new config; the running config is unchanged/);
    assert.match(broken.stderr, /host not found in upstream "no_such_upstream"/, "nginx's own message");
    assert.equal(fs.existsSync(path.join(sb.options.paths.config, "routes/zz-broken.conf")), false, "never reached the live folder");
    assert.equal(fs.readFileSync(path.join(sb.options.paths.config, "routes/app1.conf"), "utf8"), live);
    assert.equal(masterPid(), pid);
    for (const p of ["/app1/", "/api/app1/x", "/app2/"]) assert.equal((await https(p)).status, 200, p);
    // The old config still reloads cleanly (nothing half-swapped was left behind).
    nginx.reload();
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await https("/app2/")).status, 200);
});

test("removing an app removes its files from the live folder", { skip }, async () => {
    const r = h.deliver(sb, h.config(base()));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(sb.options.paths.config, "routes/app2.conf")), false);
    let status = 0;
    for (let i = 0; i < 50 && status !== 404; i++) {
        status = (await https("/app2/")).status;
        if (status !== 404) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(status, 404);
});

test("an existing certificate is kept; a missing one is bootstrapped self-signed for every name", { skip }, async () => {
    const live = path.join(sb.root, "certs/live/example.test");
    const before = fs.readFileSync(path.join(live, "fullchain.pem"), "utf8");
    assert.ok(fs.existsSync(path.join(live, "BOOTSTRAP-SELF-SIGNED")));
    const again = h.deliver(sb, h.config(base()));
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.readFileSync(path.join(live, "fullchain.pem"), "utf8"), before, "not regenerated");
    // nginx loads the key per handshake in a worker (render/nginx/cert-access.ts): its uid, and no one else.
    const key = path.join(live, "privkey.pem");
    assert.equal(fs.statSync(key).mode & 0o007, 0, "no access for other users");
    const acl = spawnSync("getfacl", ["-cpn", key], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
    assert.deepEqual(acl, ["group::---", "mask::r--", "other::---", `user:${NGINX_WORKER_UID}:r--`, "user::rw-"], "private key readable by its owner and nginx's workers only");
});
