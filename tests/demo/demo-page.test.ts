// The demo page in a real browser (Debian's chromium, headless) behind a stand-in for the proxy
// that sends the platform's CSP: it fills in who answers for both services and the database, a
// backend switched mid-way (what a release does) shows in its list of changes, and nothing it
// does violates the CSP. Skips without Docker or chromium unless CI=true (then it fails).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { needs } from "../support/requirements";
import { freePort } from "../support/ports";
import { buildTestImages, docker, exec, removeContainersNamed } from "../support/containers";
import { DEMO_IMAGES, Demo, runDemo, startDatabase } from "../support/demo";
import { configSchema } from "../../config/schema";

const P = `demo-app-${randomBytes(3).toString("hex")}-`;
const NET = `${P}net`;
const APP = "demo1";
const CSP: string = configSchema.shape.proxy.parse(undefined).csp;
const RELEASES = {
    frontend: { RELEASE_IMAGE: `registry.example/${APP}-frontend@sha256:${"f".repeat(64)}`, RELEASE_ID: `${APP}-frontend-f1` },
    backend1: { RELEASE_IMAGE: `registry.example/${APP}-backend@sha256:${"1".repeat(64)}`, RELEASE_ID: `${APP}-backend-b1` },
    backend2: { RELEASE_IMAGE: `registry.example/${APP}-backend@sha256:${"2".repeat(64)}`, RELEASE_ID: `${APP}-backend-b2` },
};
// The proxy switches the backend after this many info requests: the page has shown the first one.
const SWITCH_AFTER = 3;
const skip = needs("docker", "chromium");

interface Browsed { dom: string; console: string[] }

/** Loads `url` in headless chromium, lets its timers run for `budgetMs` of virtual time. */
async function browse(url: string, budgetMs: number): Promise<Browsed> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "demo-page-chromium-"));
    try {
        const r = await exec("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            `--user-data-dir=${profile}`, "--enable-logging=stderr", "--v=0", `--virtual-time-budget=${budgetMs}`, "--dump-dom", url], { timeoutMs: 90_000 });
        if (r.code !== 0) throw new Error(`chromium exited ${r.code}: ${r.stderr.slice(-2000)}`);
        return { dom: r.stdout, console: r.stderr.split("\n").filter((l) => l.includes(":CONSOLE")) };
    } finally {
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

/** The text of `[data-field=name]` in the card `#service` of the dumped page. */
function field(dom: string, service: string, name: string): string | undefined {
    const card = dom.match(new RegExp(`<article[^>]*id="${service}"[^>]*>([\\s\\S]*?)</article>`))?.[1] ?? "";
    return card.match(new RegExp(`data-field="${name}"[^>]*>([^<]*)<`))?.[1];
}

/** Stands in for nginx: /api/<app>/ to the current backend, the rest to the frontend, the platform's CSP on every answer. */
function startProxy(port: number, frontend: Demo, backends: [Demo, Demo]): http.Server {
    let infoRequests = 0;
    const server = http.createServer((req, res) => {
        if (req.url === "/control") {
            res.writeHead(200, { "content-type": "text/html", "content-security-policy": CSP });
            res.end("<!doctype html><p>control</p><script>document.body.append('inline ran')</script>");
            return;
        }
        const isApi = req.url!.startsWith(`/api/${APP}/`);
        if (isApi && req.url!.startsWith(`/api/${APP}/info`)) infoRequests++;
        const target = new URL(req.url!, isApi ? backends[infoRequests > SWITCH_AFTER ? 1 : 0].url : frontend.url);
        const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "content-security-policy": CSP });
            answer.pipe(res);
        });
        upstream.on("error", () => { res.writeHead(502); res.end(); });
        req.pipe(upstream);
    });
    server.listen(port, "127.0.0.1");
    return server;
}

describe("the demo page in a browser", { skip, timeout: 10 * 60_000 }, () => {
    let proxy: http.Server;
    let page: Browsed, control: Browsed;
    let visitsInDatabase: number;

    before(async () => {
        await buildTestImages();
        await docker(["network", "create", NET]);
        const db = await startDatabase(`${P}pg`, NET, APP);
        const run = (name: string, image: string, kind: "frontend" | "backend", env: Record<string, string>) =>
            runDemo({ name: P + name, network: NET, image, app: APP, kind, env });
        const [frontend, backend1, backend2] = await Promise.all([
            run("frontend", DEMO_IMAGES.frontend, "frontend", RELEASES.frontend),
            run("backend1", DEMO_IMAGES.backend, "backend", { DATABASE_URL: db.url, ...RELEASES.backend1 }),
            run("backend2", DEMO_IMAGES.backend2, "backend", { DATABASE_URL: db.url, ...RELEASES.backend2 }),
        ]);
        const port = await freePort();
        proxy = startProxy(port, frontend, [backend1, backend2]);
        page = await browse(`http://127.0.0.1:${port}/${APP}/`, 8000);
        control = await browse(`http://127.0.0.1:${port}/control`, 1000);
        visitsInDatabase = Number(await db.psql("SELECT count(*) FROM visits"));
    });

    after(async () => {
        proxy?.close();
        await removeContainersNamed(P);
        await docker(["network", "rm", NET], { allowFail: true });
    });

    it("shows the frontend's release and container as the platform set them", () => {
        assert.equal(field(page.dom, "frontend", "state"), "serving", page.dom);
        assert.equal(field(page.dom, "frontend", "release"), RELEASES.frontend.RELEASE_IMAGE);
        assert.equal(field(page.dom, "frontend", "version"), "1");
        assert.equal(field(page.dom, "frontend", "instance"), RELEASES.frontend.RELEASE_ID);
    });

    it("shows the backend that answers last and its database's visit count, the page's own visit counted", () => {
        assert.equal(field(page.dom, "backend", "state"), "serving", page.dom);
        assert.equal(field(page.dom, "backend", "release"), RELEASES.backend2.RELEASE_IMAGE);
        assert.equal(field(page.dom, "backend", "version"), "2");
        assert.equal(field(page.dom, "backend", "instance"), RELEASES.backend2.RELEASE_ID);
        // The page POSTs one visit when it loads; polling /info counts nothing.
        assert.equal(visitsInDatabase, 1);
        assert.equal(field(page.dom, "backend", "database"), "connected, 1 visit");
    });

    it("lists the switch from one backend release to the next as a change", () => {
        // Digests cut to 12 digits, as `docker images` shows them.
        const b1 = `registry.example/${APP}-backend@sha256:${"1".repeat(12)}… on ${RELEASES.backend1.RELEASE_ID}`;
        const b2 = `registry.example/${APP}-backend@sha256:${"2".repeat(12)}… on ${RELEASES.backend2.RELEASE_ID}`;
        const changes = [...page.dom.matchAll(/<li><time>[^<]*<\/time>([^<]*)<\/li>/g)].map((m) => m[1].trim());
        assert.deepEqual(changes.filter((c) => c.startsWith("backend:")), [`backend: ${b1} → ${b2}`, `backend: ${b1}`]);
    });

    it("does nothing the platform's CSP refuses (the check sees an inline script refused)", () => {
        const violations = (b: Browsed) => b.console.filter((l) => l.includes("Content Security Policy"));
        assert.deepEqual(violations(page), [], page.console.join("\n"));
        assert.equal(violations(control).length, 1, `control: ${control.console.join("\n")}`);
        assert.doesNotMatch(control.dom, /<\/script>inline ran/, "the inline script ran");
    });
});
