// An nginx image change whose new nginx cannot start (a config the new image rejects), then going
// back to the image before, on real containers with the platform's own scripts, under load from
// a client that never retries and wrk:
//   1. the new server, beside the old one in the holder's namespace, restarts in a loop; the
//      platform's ready command fails the `up` and stops it (components/core-container.ts
//      readyScript): the old nginx serves throughout, and config delivery (nginx -t and a reload
//      of every running nginx, render/nginx/nginx-control.sh) works again at once;
//      the same `up` again, once the cause is fixed, starts it and checks again;
//   2. going back: the engine creates a server under the name (spec hash) of the old one, which is
//      still running, pending delete since the failed `up`. The guard renames the old one, which
//      keeps serving, so the create succeeds (components/core-container.ts guardScript).
// The engine's side of 2 (the old one deleted by its ID at the end): tests/tools/engine-double-revert-replacement.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { needsImages } from "../support/requirements";
import { docker } from "../support/containers";
import { freePort } from "../support/ports";
import { tempDirs } from "../support/tmp";
import { REUSEPORT } from "../../render/nginx/listen";
import { PID_FILE } from "../../render/nginx/layout";
import { nginxReadyTest } from "../../render/nginx/ready";
import { nginxControl } from "../../render/nginx/control";
import { script, shq } from "../../render/shell";
import { guardScript, readyScript } from "../../components/core-container";
import { NGINX_ROLE, PLATFORM_LABEL } from "../../config/naming";
import { ClientResult, startWrk } from "../../tools/e2e/clients";
import { StrictResult, startStrictClient } from "../../tools/e2e/strict-client";

const IMAGE = "local/nginx:1.30";
const skip = needsImages(IMAGE);
const tmp = tempDirs();
const id = `nfi-${randomBytes(3).toString("hex")}`;
/** This test's own label in place of the platform's, so nginx_instances sees only its containers. */
const LABEL = `${id}.role=nginx`;
const names = { holder: `${id}-holder`, server: (spec: string) => `${id}-server-${spec}` };
const GRACE = 5;

const conf = (body: string) => `worker_processes 1;
pid ${PID_FILE};
events { worker_connections 256; }
http {
    access_log off;
    server {
        listen 80 ${REUSEPORT};
        location = /health { return 200 "ok\\n"; }
        location / { return 200 "served\\n"; }
        ${body}
    }
}
`;

let dir = "";
let port = 0;

/** An nginx server as the platform runs one: in the holder's namespace, its restart policy, SIGQUIT. */
async function server(name: string, config: string): Promise<string> {
    const r = await docker(["run", "-d", "--name", name, "--label", LABEL, "--network", `container:${names.holder}`, "--restart", "unless-stopped", "--stop-signal", "SIGQUIT",
        "-v", `${dir}:/conf:ro`, IMAGE, "nginx", "-g", "daemon off;", "-c", `/conf/${config}`]);
    return r.stdout.trim();
}

function bash(text: string) {
    return spawnSync("bash", ["-c", text], { encoding: "utf8", timeout: 120_000 });
}

const ready = (name: string, containerId: string) => bash(readyScript(name, containerId, 256, { test: nginxReadyTest(), readyTimeoutSeconds: 8 }, GRACE));
const state = async (ref: string) => (await docker(["inspect", "-f", "{{.State.Status}}", ref], { allowFail: true })).stdout.trim();
/** nginx control as config delivery runs it, with this test's label. */
function control(...lines: string[]) {
    const own = nginxControl(dir, 10).replace(shq(`${PLATFORM_LABEL}=${NGINX_ROLE}`), shq(LABEL));
    assert.ok(own.includes(shq(LABEL)), "the control functions find this test's servers");
    return bash(script(own, ...lines));
}

describe("a new nginx that cannot start, then going back to the old image", { skip }, () => {
    let oldId = "";
    let failedId = "";
    let readyFailed: ReturnType<typeof bash>;
    let failedState = "";
    let checkAfter: ReturnType<typeof bash>;
    let reloadAfter: ReturnType<typeof bash>;
    let retried: ReturnType<typeof bash>;
    let retriedState = "";
    let guard: ReturnType<typeof bash>;
    let revertedId = "";
    let oldStateAfterGuard = "";
    let strict: StrictResult;
    let wrk: ClientResult;

    before(async () => {
        dir = tmp(path.join(os.tmpdir(), "nginx-failed-image-"));
        fs.chmodSync(dir, 0o755);
        fs.writeFileSync(path.join(dir, "nginx.conf"), conf(""));
        // What a new image may refuse: a directive its nginx does not know.
        fs.writeFileSync(path.join(dir, "rejected.conf"), conf("ssl_certificate_cache_of_the_future on;"));
        port = await freePort();
        await docker(["run", "-d", "--name", names.holder, "--init", "--sysctl", "net.ipv4.tcp_migrate_req=1", "-p", `127.0.0.1:${port}:80`, IMAGE, "sleep", "infinity"]);
        oldId = await server(names.server("aaa"), "nginx.conf");
        assert.equal(ready(names.server("aaa"), oldId).status, 0, "the old nginx is ready");

        const load = startStrictClient(`http://127.0.0.1:${port}`, ["/", "/health"], 4, 20);
        const bench = startWrk(`http://127.0.0.1:${port}/`, { seconds: 600, connections: 4, pauseMs: 20 });
        await new Promise((r) => setTimeout(r, 1500));
        // 1. The new image's nginx: it exits at once, Docker restarts it, again and again.
        failedId = await server(names.server("bbb"), "rejected.conf");
        readyFailed = ready(names.server("bbb"), failedId);
        failedState = await state(failedId);
        // What config delivery and certificates run first in every running nginx (a reload, which
        // closes idle keep-alive connections as it should, comes after the load).
        checkAfter = control("nginx_check /conf/nginx.conf", 'echo "checked in: $(nginx_instances | wc -l) nginx"');
        // The same `up` again once the cause is gone (its config fixed): the ready command starts it and checks again.
        fs.writeFileSync(path.join(dir, "rejected.conf"), conf(""));
        retried = ready(names.server("bbb"), failedId);
        retriedState = await state(failedId);
        // 2. Back to the old image: the engine creates a server under the old one's name.
        guard = bash(guardScript(names.server("aaa"), "aaa", GRACE, { id: "unused", ref: IMAGE }, { label: LABEL }));
        oldStateAfterGuard = await state(oldId);
        revertedId = (await docker(["run", "-d", "--name", names.server("aaa"), "--label", LABEL, "--network", `container:${names.holder}`, "--restart", "unless-stopped", "--stop-signal", "SIGQUIT",
            "-v", `${dir}:/conf:ro`, IMAGE, "nginx", "-g", "daemon off;", "-c", "/conf/nginx.conf"], { allowFail: true })).stdout.trim();
        if (revertedId) assert.equal(ready(names.server("aaa"), revertedId).status, 0, "the new server under the old name is ready");
        await new Promise((r) => setTimeout(r, 1500));
        strict = await load.stop();
        wrk = await bench.stop!();
        reloadAfter = control(`nginx_reload /conf/nginx.conf "not reloaded:"`);
        console.log(JSON.stringify({ strict: { ...strict, errors: undefined }, wrk: { requests: wrk.requests, failed: wrk.failed, non2xx: wrk.non2xx } }));
    });

    after(async () => {
        const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}`], { allowFail: true })).stdout.split("\n").filter(Boolean);
        await docker(["rm", "-f", ...ids, names.holder], { allowFail: true });
    });

    test("the ready command fails the `up` and stops the new nginx, which no longer restarts", () => {
        assert.notEqual(readyFailed.status, 0);
        assert.match(readyFailed.stderr, /did not pass its health check/);
        assert.match(readyFailed.stderr, /unknown directive/, "nginx's own message reaches the `up`");
        assert.equal(failedState, "exited", "not restarting in a loop beside the old nginx");
    });

    test("nginx -t in every running nginx works after the failed change (config delivery, certificates), and so does the reload of each", () => {
        assert.equal(checkAfter.status, 0, checkAfter.stderr);
        assert.match(checkAfter.stdout, /checked in: 1 nginx/);
        assert.equal(reloadAfter.status, 0, reloadAfter.stderr);
        assert.match(reloadAfter.stdout, /nginx reloaded/);
    });

    test("the same `up` again, the cause fixed: the ready command starts the stopped server and it serves", () => {
        assert.equal(retried.status, 0, retried.stderr);
        assert.equal(retriedState, "running");
    });

    test("going back: the guard renames the old nginx, which keeps serving, and the server under its name is created", () => {
        assert.equal(guard.status, 0, guard.stderr);
        assert.equal(oldStateAfterGuard, "running");
        assert.ok(revertedId, "docker could create a container under the old one's name");
        assert.notEqual(revertedId, oldId);
    });

    test("no request failed and none was refused, through the failed change and the way back", () => {
        assert.ok(strict.requests > 100 && wrk.requests > 100, JSON.stringify({ strict: strict.requests, wrk: wrk.requests }));
        assert.deepEqual([strict.failed, strict.non2xx], [0, 0], JSON.stringify(strict));
        assert.deepEqual([wrk.failed, wrk.non2xx], [0, 0], wrk.output);
    });
});
