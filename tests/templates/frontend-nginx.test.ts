// The template's frontend nginx.conf, run for real on production's nginx line (local/nginx:1.30)
// as uid 10001 on a read-only root with only a tmpfs /tmp writable, as the Dockerfile and the
// platform run it: it starts, answers the platform's health check on /, serves the app under
// /app1/ with the client-side routes falling back to index.html, and nothing outside the app.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needs, needsImages } from "../support/requirements";
import { NGINX_IMAGE } from "../support/nginx-container";
import { freePort } from "../support/ports";

const ROOT = path.resolve(__dirname, "../..");

async function get(url: string): Promise<{ status: number; body: string; cache: string | null }> {
    for (let i = 0; ; i++) {
        try {
            const r = await fetch(url);
            return { status: r.status, body: await r.text(), cache: r.headers.get("cache-control") };
        } catch (err) {
            if (i > 200) throw err;
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}

const skip = needs("docker") || needsImages(NGINX_IMAGE);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frontend-nginx-"));
const container = path.basename(dir);
let base = "";
const logs = () => spawnSync("docker", ["logs", container], { encoding: "utf8" }).stderr;

// The template's nginx, started once as the Dockerfile and the platform run it.
before(async () => {
    if (skip) return;
    const port = await freePort();
    // What the Dockerfile does: the config with the app's name, the app under the html folder.
    const conf = fs.readFileSync(path.join(ROOT, "templates/app/frontend/nginx.conf"), "utf8").replace(/__APP_NAME__/g, "app1");
    fs.mkdirSync(path.join(dir, "html/app1"), { recursive: true });
    fs.writeFileSync(path.join(dir, "html/app1/index.html"), '<base href="/app1/"><app-root></app-root>');
    fs.writeFileSync(path.join(dir, "html/app1/main-ABC123.js"), "console.log(1)");
    fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
    fs.chmodSync(dir, 0o755);
    const run = spawnSync("docker", ["run", "-d", "--name", container, "--user", "10001:10001", "--read-only", "--tmpfs", "/tmp",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "-p", `127.0.0.1:${port}:8080`,
        "-v", `${dir}/nginx.conf:/etc/nginx/nginx.conf:ro`, "-v", `${dir}/html:/usr/share/nginx/html:ro`,
        NGINX_IMAGE, "nginx", "-g", "daemon off;"], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    base = `http://127.0.0.1:${port}`;
});

after(() => {
    spawnSync("docker", ["rm", "-f", container], { stdio: "ignore" });
    fs.rmSync(dir, { recursive: true, force: true });
});

test("it starts on a read-only root and answers the platform's health check on / with ok", { skip }, async () => {
    const health = await get(`${base}/`);
    assert.equal(health.status, 200, logs());
    assert.equal(health.body, "ok\n");
});

test("the app's shell is served under /app1/ and never cached", { skip }, async () => {
    const page = await get(`${base}/app1/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<base href="\/app1\/">/);
    assert.equal(page.cache, "no-cache");
});

test("client-side routes fall back to index.html", { skip }, async () => {
    const deepLink = await get(`${base}/app1/orders/42`);
    assert.equal(deepLink.status, 200);
    assert.match(deepLink.body, /app-root/);
});

test("fingerprinted bundles are served and cached as immutable", { skip }, async () => {
    const bundle = await get(`${base}/app1/main-ABC123.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.cache ?? "", /immutable/);
});

test("nothing outside the app is served", { skip }, async () => {
    assert.equal((await get(`${base}/other/`)).status, 404);
});

test("it writes its pid file under /tmp and its processes run as uid 10001", { skip }, async () => {
    await get(`${base}/`);
    const pid = spawnSync("docker", ["exec", container, "test", "-s", "/tmp/nginx.pid"]);
    assert.equal(pid.status, 0, "the pid file is under /tmp");
    const workers = spawnSync("docker", ["top", container, "-eo", "pid,uid,args"], { encoding: "utf8" }).stdout.split("\n").filter((l) => /nginx/.test(l));
    assert.ok(workers.length >= 2 && workers.every((l) => l.trim().split(/\s+/)[1] === "10001"), workers.join("\n"));
});
