// The demo app (demo/) keeps the app contract (docs/app-contract.md) in the images its own
// Dockerfiles build: run as the platform runs app containers, each answers its routes, health and
// methods; the backend counts visits in a real PostgreSQL 15; both drain on SIGTERM.
// Skips without Docker unless CI=true (then it fails); builds the images if needed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { needs } from "../support/requirements";
import { buildTestImages, docker, exec, json, removeContainersNamed, request, waitFor } from "../support/containers";
import { DEMO_BUILD_SCRIPT, DEMO_DIR, DEMO_IMAGES, Demo, runDemo, startDatabase } from "../support/demo";

const P = `demo-app-${randomBytes(3).toString("hex")}-`;
const NET = `${P}net`;
const APP = "demo1";
const FRONTEND_RELEASE = "registry.example/demo1-frontend@sha256:" + "f".repeat(64);
const skip = needs("docker");

/** Files under `dir/rel` (a file or a folder), relative to `dir`. */
function walk(dir: string, rel: string): string[] {
    const full = path.join(dir, rel);
    if (!fs.existsSync(full)) return [];
    if (!fs.statSync(full).isDirectory()) return [rel];
    return fs.readdirSync(full).flatMap((e) => walk(dir, path.join(rel, e)));
}

describe("the demo app's images", { skip, timeout: 15 * 60_000 }, () => {
    let db: Awaited<ReturnType<typeof startDatabase>>;
    let backend: Demo, frontend: Demo, broken: Demo, failing: Demo;

    before(async () => {
        await buildTestImages();
        await docker(["network", "create", NET]);
        db = await startDatabase(`${P}pg`, NET, APP);
        const run = (name: string, image: string, kind: "frontend" | "backend", env: Record<string, string> = {}) =>
            runDemo({ name: P + name, network: NET, image, app: APP, kind, env });
        [backend, frontend, broken, failing] = await Promise.all([
            // DEMO_ALLOW_DELAY: the SIGTERM test holds a request in flight with ?delay=MS (tests only).
            run("backend", DEMO_IMAGES.backend, "backend", { DATABASE_URL: db.url, DEMO_ALLOW_DELAY: "1" }),
            run("frontend", DEMO_IMAGES.frontend, "frontend", { RELEASE_IMAGE: FRONTEND_RELEASE, RELEASE_ID: "demo1-frontend-abc123", DEMO_ALLOW_DELAY: "1" }),
            run("broken", DEMO_IMAGES.broken, "backend"),
            run("failing", DEMO_IMAGES.backend2, "backend", { DATABASE_URL: db.url, DEMO_FAIL_REQUESTS: "1" }),
        ]);
    });

    after(async () => {
        await removeContainersNamed(P);
        await docker(["network", "rm", NET], { allowFail: true });
    });

    it("holds its demo/ folder as built by its Dockerfile: the code, production dependencies, no npm cache", async () => {
        for (const [service, image] of [["frontend", DEMO_IMAGES.frontend], ["backend", DEMO_IMAGES.backend]]) {
            // The image holds demo/<service> and demo/shared at /app/<service> and /app/shared.
            const files = [...[`${service}/server.js`, `${service}/database.js`, `${service}/public`].flatMap((f) => walk(DEMO_DIR, f)), ...walk(DEMO_DIR, "shared")];
            assert.ok(files.includes(`${service}/server.js`) && files.includes(path.join("shared", "http-server.js")), String(files));
            const inImage = (await docker(["run", "--rm", "--entrypoint", "sha256sum", image, ...files.map((f) => `/app/${f}`)], { allowFail: true })).stdout;
            for (const f of files) {
                const sum = createHash("sha256").update(fs.readFileSync(path.join(DEMO_DIR, f))).digest("hex");
                assert.ok(inImage.includes(`${sum}  /app/${f}`), `${image}: /app/${f} differs from demo/${f}\n${inImage}`);
            }
            // As root, to see every folder: npm's cache (_cacache) stayed in the build stage.
            const leftovers = await docker(["run", "--rm", "--user", "0", "--entrypoint", "sh", image, "-c",
                "find / -xdev -name _cacache; ls /app/*/package-lock.json /app/*/Dockerfile 2>/dev/null; true"]);
            assert.equal(leftovers.stdout.trim(), "", `${image} holds build leftovers`);
        }
        const pg = await docker(["run", "--rm", "--entrypoint", "node", DEMO_IMAGES.backend, "-p", "require('/app/backend/node_modules/pg/package.json').version"]);
        const lock = JSON.parse(fs.readFileSync(path.join(DEMO_DIR, "backend/package-lock.json"), "utf8"));
        assert.equal(pg.stdout.trim(), lock.packages["node_modules/pg"].version);
    });

    it("is cached: a second build reuses every demo tag; DEMO_VERSION is each tag's build argument", async () => {
        const again = await exec("bash", [DEMO_BUILD_SCRIPT]);
        assert.equal(again.code, 0, again.stderr);
        for (const tag of Object.values(DEMO_IMAGES)) assert.match(again.stdout, new RegExp(`^reused  ${tag}$`, "m"));
        for (const [tag, version] of [[DEMO_IMAGES.backend, "1"], [DEMO_IMAGES.backend2, "2"], [DEMO_IMAGES.broken, "broken"]]) {
            const env = (await docker(["image", "inspect", "-f", "{{json .Config.Env}}", tag])).stdout;
            assert.ok(JSON.parse(env).includes(`DEMO_VERSION=${version}`), `${tag}: ${env}`);
        }
    });

    it("runs as uid 10001 on a read-only root, writes only /tmp, holds no capability, has wget for health checks", async () => {
        for (const [c, port, health] of [[backend, 3000, "/health"], [frontend, 8080, "/"]] as const) {
            const sh = (script: string) => docker(["exec", c.name, "sh", "-c", script], { allowFail: true });
            assert.equal((await sh("id -u")).stdout.trim(), "10001");
            assert.notEqual((await sh("touch /app/x")).code, 0, `${c.name} could change its code`);
            assert.match((await sh("grep -E '^[^ ]+ / ' /proc/mounts")).stdout, /\sro,/, `${c.name}: the root filesystem is not read-only`);
            assert.equal((await sh("touch /tmp/x")).code, 0, `${c.name} cannot write to /tmp`);
            assert.match((await sh("grep CapEff /proc/1/status")).stdout, /CapEff:\s+0{16}\b/);
            assert.equal((await sh(`wget -q -O /dev/null http://127.0.0.1:${port}${health}`)).code, 0, `${c.name}: wget ${health}`);
        }
    });

    it("passes the platform's own health check (the Docker health status)", async () => {
        for (const c of [backend, frontend, failing]) {
            await waitFor(`${c.name} healthy`, 30_000, async () =>
                (await docker(["inspect", "-f", "{{.State.Health.Status}}", c.name])).stdout.trim() === "healthy" ? true : undefined);
        }
    });

    it("backend: GET /health and /api/<app>/health answer 200 with the version", async () => {
        for (const p of ["/health", `/api/${APP}/health`]) {
            const r = await request(backend.url + p);
            assert.deepEqual([r.status, json(r)], [200, { status: "ok", version: "1" }], p);
        }
    });

    it("backend: each GET and POST on its API counts a visit in its PostgreSQL 15 database", async () => {
        const get = await request(`${backend.url}/api/${APP}/items`);
        const post = await request(`${backend.url}/api/${APP}/items`, { method: "POST", body: '{"n":1}', headers: { "content-type": "application/json" } });
        assert.equal(get.status, 200, get.body);
        assert.equal(post.status, 201, post.body);
        const [a, b] = [json(get), json(post)];
        const { db: _db, instance: _instance, ...identity } = a;
        assert.deepEqual(identity, { app: APP, service: "backend", version: "1", release: "1" });
        assert.equal(b.db.visits, a.db.visits + 1);
        assert.equal(Number(await db.psql("SELECT count(*) FROM visits")), b.db.visits);
        // Without RELEASE_ID the container answers with its hostname.
        assert.equal(a.instance, (await docker(["inspect", "-f", "{{.Config.Hostname}}", backend.name])).stdout.trim());
    });

    it("backend: POSTs on one keep-alive connection are all answered 201 and counted", async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
            const replies = [];
            for (let i = 0; i < 20; i++) {
                replies.push(await request(`${backend.url}/api/${APP}/visits`, { method: "POST", body: JSON.stringify({ i }), agent }));
            }
            assert.deepEqual(replies.map((r) => r.status), Array(20).fill(201));
            assert.deepEqual(replies.slice(1).map((r) => r.reusedSocket), Array(19).fill(true), "one connection for all");
            const counts = replies.map((r) => json(r).db.visits);
            assert.deepEqual(counts, counts.map((_, i) => counts[0] + i));
        } finally {
            agent.destroy();
        }
    });

    it("backend: GET /api/<app>/info reports the database and the count without counting", async () => {
        const first = json(await request(`${backend.url}/api/${APP}/info`));
        const second = json(await request(`${backend.url}/api/${APP}/info`));
        assert.equal(first.service, "backend");
        assert.equal(first.db.connected, true);
        assert.equal(typeof first.db.visits, "number");
        assert.equal(second.db.visits, first.db.visits);
    });

    it("backend: other methods answer 405 with the methods each route takes", async () => {
        for (const [method, p, allow] of [["PUT", `/api/${APP}/items`, "GET, HEAD, POST"], ["DELETE", `/api/${APP}/items`, "GET, HEAD, POST"], ["POST", "/health", "GET, HEAD"], ["POST", `/api/${APP}/info`, "GET, HEAD"]]) {
            const r = await request(backend.url + p, { method });
            assert.deepEqual([r.status, r.headers.allow], [405, allow], `${method} ${p}`);
        }
    });

    it("backend: the :broken build answers 500 to its health check and to requests", async () => {
        for (const p of ["/health", `/api/${APP}/items`]) assert.equal((await request(broken.url + p)).status, 500, p);
    });

    it("backend: DEMO_FAIL_REQUESTS=1 stays healthy while every real request answers 500", async () => {
        assert.equal((await request(`${failing.url}/health`)).status, 200);
        for (const [method, p] of [["GET", "items"], ["POST", "items"], ["GET", "info"]]) {
            assert.equal((await request(`${failing.url}/api/${APP}/${p}`, { method })).status, 500, `${method} ${p}`);
        }
    });

    it("frontend: serves its page under /<app>/, its health at / and /<app>/health, GET and HEAD only", async () => {
        assert.equal((await request(`${frontend.url}/`)).status, 200);
        assert.deepEqual(json(await request(`${frontend.url}/${APP}/health`)), { status: "ok", version: "1" });
        const page = await request(`${frontend.url}/${APP}/`);
        assert.equal(page.status, 200);
        assert.match(String(page.headers["content-type"]), /^text\/html/);
        assert.match(page.body, new RegExp(`<h1>${APP}</h1>`));
        assert.equal((await request(`${frontend.url}/${APP}/`, { method: "HEAD" })).status, 200);
        assert.equal((await request(`${frontend.url}/${APP}/no-such-file`)).status, 404);
        const post = await request(`${frontend.url}/${APP}/`, { method: "POST", body: "x" });
        assert.deepEqual([post.status, post.headers.allow], [405, "GET, HEAD"]);
    });

    it("frontend: info.json names the release and the container the platform set", async () => {
        const expected = { app: APP, service: "frontend", version: "1", release: FRONTEND_RELEASE, instance: "demo1-frontend-abc123" };
        assert.deepEqual(json(await request(`${frontend.url}/${APP}/info.json`)), expected);
        assert.deepEqual(json(await request(`${frontend.url}/${APP}/`, { headers: { accept: "application/json" } })), expected);
    });

    it("frontend: the page loads only same-origin files under /<app>/ and holds no inline code", async () => {
        const html = (await request(`${frontend.url}/${APP}/`)).body;
        const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
        assert.deepEqual(refs.sort(), [`/${APP}/app.js`, `/${APP}/style.css`]);
        assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "an inline script");
        assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, "inline style or an event handler attribute");
        for (const [ref, type] of [[`/${APP}/app.js`, /^text\/javascript/], [`/${APP}/style.css`, /^text\/css/]] as const) {
            const r = await request(frontend.url + ref);
            assert.equal(r.status, 200, ref);
            assert.match(String(r.headers["content-type"]), type);
            assert.doesNotMatch(r.body, /https?:\/\/|url\(/, `${ref} reaches outside its origin`);
        }
    });

    it("backend: while its database is down, health and visits answer 503 and info says so; it recovers", async () => {
        await docker(["stop", `${P}pg`]);
        try {
            assert.equal((await request(`${backend.url}/health`)).status, 503);
            assert.equal((await request(`${backend.url}/api/${APP}/items`)).status, 503);
            const info = await request(`${backend.url}/api/${APP}/info`);
            assert.equal(info.status, 200);
            assert.equal(json(info).db.connected, false);
        } finally {
            await docker(["start", `${P}pg`]);
        }
        await waitFor("backend healthy again", 60_000, async () => ((await request(`${backend.url}/health`)).status === 200 ? true : undefined));
        assert.equal((await request(`${backend.url}/api/${APP}/items`)).status, 200);
    });

    it("on SIGTERM each service finishes its in-flight request (?delay=MS) and exits 0", async () => {
        for (const [c, p] of [[backend, `/api/${APP}/items`], [frontend, `/${APP}/`]] as const) {
            const inFlight = request(`${c.url}${p}?delay=1500`);
            await new Promise((r) => setTimeout(r, 300));
            await docker(["stop", "-t", "10", c.name]);
            assert.equal((await inFlight).status, 200, `${c.name}: the request in flight`);
            // Exit code 0, not 137: it stopped by itself, not by docker's SIGKILL after the grace period.
            assert.equal((await docker(["inspect", "-f", "{{.State.ExitCode}}", c.name])).stdout.trim(), "0");
        }
    });
});
