// nginx log rotation with the production job: rename inside the container, `nginx -s reopen`,
// compress, keep the newest N; not a line lost, nginx never restarted.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { ACCESS_LOG_LOCK } from "../../../render/nginx/layout";
import { NGINX_IMAGE, afterFlush, needsImages, network, ok, opsRoot, removeContainers, sh, startNginx } from "../../support/ops";

const NGINX = "opstest-rotate-nginx";
const NET = "opstest-rotate-net";
const skip = needsImages(NGINX_IMAGE);
const ops = skip ? undefined : opsRoot({ monitoring: { nginxLogKeep: 3 } });
const env = () => ({ ...ops!.env, PLATFORM_NGINX_CONTAINER: NGINX });
const logs = () => path.join(ops!.root, "logs/nginx");
const hit = (n: number, tag: string) => {
    for (let i = 0; i < n; i++) ok("docker", ["exec", NGINX, "curl", "-s", "-o", "/dev/null", `http://127.0.0.1/${tag}-${i}`]);
};
const rotate = () => sh(path.join(ops!.root, "bin/run-job"), ["rotate-nginx-logs"], { env: env() });

before(() => {
    if (skip) return;
    network(NET);
    startNginx(NGINX, ops!.root, NET);
});
after(() => {
    removeContainers(NGINX);
    sh("docker", ["network", "rm", NET]);
    ops?.cleanup();
});

test("rotation keeps every line, nginx writes to a fresh file, and only the newest N archives stay", { skip }, () => {
    const started = ok("docker", ["inspect", "-f", "{{.State.StartedAt}}", NGINX]);
    for (const stamp of ["20250101T000001Z", "20250101T000002Z", "20250101T000003Z", "20250101T000004Z"]) fs.writeFileSync(path.join(logs(), `access.log.${stamp}.gz`), "");
    hit(3, "before");
    const r = rotate();
    assert.equal(r.code, 0, fs.readFileSync(path.join(ops!.root, "logs/jobs/rotate-nginx-logs.log"), "utf8"));
    hit(2, "after");
    afterFlush();

    const archives = fs.readdirSync(logs()).filter((f) => /^access\.log\.\d{8}T\d{6}Z\.gz$/.test(f)).sort();
    assert.equal(archives.length, 3, archives.join(" "));
    assert.ok(!archives.includes("access.log.20250101T000001Z.gz") && !archives.includes("access.log.20250101T000002Z.gz"), "the oldest went");
    const rotated = gunzipSync(fs.readFileSync(path.join(logs(), archives[2]))).toString();
    assert.deepEqual(rotated.trim().split("\n").map((l) => JSON.parse(l).uri), ["/before-0", "/before-1", "/before-2"]);
    const fresh = fs.readFileSync(path.join(logs(), "access.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l).uri);
    assert.deepEqual(fresh, ["/after-0", "/after-1"]);
    assert.equal(ok("docker", ["inspect", "-f", "{{.State.StartedAt}}", NGINX]), started, "nginx was not restarted");
});

test("a release watching the access log holds rotation off; once the watch ends, rotation runs", { skip }, async () => {
    hit(2, "watched");
    afterFlush();
    const lock = path.join(ops!.root, ACCESS_LOG_LOCK);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    // What release.ts does for its watch: a shared lock on the access-log lock file.
    // Its own process group, so the kill below ends sleep too, and with it the lock.
    const watch = spawn("flock", ["-s", lock, "sleep", "120"], { stdio: "ignore", detached: true });
    try {
        while (sh("flock", ["-n", "-x", lock, "true"]).code === 0) await new Promise((r) => setTimeout(r, 50));
        const held = sh(path.join(ops!.root, "bin/run-job"), ["rotate-nginx-logs"], { env: { ...env(), ROTATE_WAIT_SECONDS: "1" } });
        assert.notEqual(held.code, 0);
        assert.match(fs.readFileSync(path.join(ops!.root, "logs/jobs/rotate-nginx-logs.log"), "utf8"), /a release is still watching the access log after 1s; not rotating now/);
        const uris = fs.readFileSync(path.join(logs(), "access.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l).uri);
        assert.deepEqual(uris.slice(-2), ["/watched-0", "/watched-1"], "the watched log was left where the watch reads it");
    } finally {
        const exited = new Promise((r) => watch.once("exit", r));
        process.kill(-watch.pid!, "SIGTERM");
        await exited;
    }
    assert.equal(rotate().code, 0, "with the watch over, rotation goes ahead");
    const newest = fs.readdirSync(logs()).filter((f) => /^access\.log\.\d{8}T\d{6}Z\.gz$/.test(f)).sort().at(-1)!;
    const archived = gunzipSync(fs.readFileSync(path.join(logs(), newest))).toString().trim().split("\n").map((l) => JSON.parse(l).uri);
    assert.deepEqual(archived.slice(-2), ["/watched-0", "/watched-1"], "the watched lines went into the new archive");
});

test("with nginx stopped the job fails (and run-job records it) instead of pretending", { skip }, () => {
    ok("docker", ["stop", "-t", "1", NGINX]);
    const r = rotate();
    assert.notEqual(r.code, 0);
    assert.match(fs.readFileSync(path.join(ops!.root, "state/jobs/rotate-nginx-logs.status"), "utf8"), /^1 /);
});
