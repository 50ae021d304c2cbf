// The template's frontend nginx.conf, run for real as uid 10001 with only its "/tmp" writable:
// it starts, answers the platform's health check on /, serves the app under /app1/ with the
// client-side routes falling back to index.html, and nothing outside the app.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { needs } from "../support/requirements";
import { freePort } from "../support/ports";

const ROOT = path.resolve(__dirname, "../..");


async function get(url: string): Promise<{ status: number; body: string; cache: string | null }> {
    for (let i = 0; ; i++) {
        try {
            const r = await fetch(url);
            return { status: r.status, body: await r.text(), cache: r.headers.get("cache-control") };
        } catch (err) {
            if (i > 50) throw err;
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}

test("frontend nginx serves /<app>/ as uid 10001 writing only under /tmp", { skip: needs("nginx", "setpriv", "root") }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frontend-nginx-"));
    const port = await freePort();
    // What the Dockerfile does, with the image's paths moved into the test folder: dir/tmp stands
    // in for the container's tmpfs, dir/html for /usr/share/nginx/html.
    const conf = fs
        .readFileSync(path.join(ROOT, "templates/app/frontend/nginx.conf"), "utf8")
        .replace(/__APP_NAME__/g, "app1")
        .replace(/ \/tmp\//g, ` ${dir}/tmp/`)
        .replace("root /usr/share/nginx/html;", `root ${dir}/html;`)
        .replace("listen 8080;", `listen 127.0.0.1:${port};`);
    fs.mkdirSync(path.join(dir, "tmp"));
    fs.mkdirSync(path.join(dir, "html/app1"), { recursive: true });
    fs.writeFileSync(path.join(dir, "html/app1/index.html"), '<base href="/app1/"><app-root></app-root>');
    fs.writeFileSync(path.join(dir, "html/app1/main-ABC123.js"), "console.log(1)");
    fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
    fs.chmodSync(dir, 0o755);
    fs.chownSync(path.join(dir, "tmp"), 10001, 10001);

    const nginx = spawn("setpriv", ["--reuid", "10001", "--regid", "10001", "--clear-groups", "nginx", "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    nginx.stderr.on("data", (d) => (stderr += d));
    t.after(() => nginx.kill("SIGTERM"));

    const base = `http://127.0.0.1:${port}`;
    const health = await get(`${base}/`);
    assert.equal(health.status, 200, stderr);
    assert.equal(health.body, "ok\n");
    const page = await get(`${base}/app1/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<base href="\/app1\/">/);
    assert.equal(page.cache, "no-cache");
    const deepLink = await get(`${base}/app1/orders/42`);
    assert.equal(deepLink.status, 200, "client-side routes fall back to index.html");
    assert.match(deepLink.body, /app-root/);
    const bundle = await get(`${base}/app1/main-ABC123.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.cache ?? "", /immutable/);
    assert.equal((await get(`${base}/other/`)).status, 404);
    assert.ok(fs.existsSync(path.join(dir, "tmp/nginx.pid")), "the pid file is under /tmp");
});
