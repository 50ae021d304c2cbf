// The local stack exactly as shipped (Pulumi.local.yaml), brought up on this machine's Docker by the
// engine double: the demo app built from its Dockerfiles (on a locally made base, since no registry
// is reachable here), every route answering through HTTPS, then a destroy that leaves nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needs } from "../support/requirements";
import { lastJsonLine } from "../../tools/e2e/run";

const ROOT = path.resolve(__dirname, "../..");
const skip = needs("docker", "root", "debootstrap");
const e2e = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools/e2e.ts"), "--config", path.join(ROOT, "Pulumi.local.yaml"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 1_200_000 });

let base = "";
let down: { ok: boolean; error: string; leftovers: { containers: string[]; networks: string[]; volumes: string[]; dataFolder: boolean } } | undefined;

async function get(p: string, init: RequestInit = {}) {
    const r = await fetch(base + p, { ...init, redirect: "manual" });
    return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text(), location: r.headers.get("location") };
}

describe("the local stack as shipped", { skip, timeout: 1_500_000 }, () => {
    before(() => {
        const up = e2e("--keep");
        assert.equal(up.status, 0, up.stderr.slice(-3000));
        base = lastJsonLine<{ url: string }>(up.stdout).url;
        // Only this test's requests go to the local platform's bootstrap (self-signed) certificate.
        process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    }, { timeout: 1_200_000 });

    after(() => {
        delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    });

    test("it answers on https://127.0.0.1:8443, and plain HTTP redirects there", async () => {
        assert.equal(base, "https://127.0.0.1:8443");
        assert.equal((await get("/health")).status, 200);
        const plain = await fetch("http://127.0.0.1:8080/app1/", { redirect: "manual" });
        assert.equal(plain.status, 301);
        assert.equal(plain.headers.get("location"), "https://127.0.0.1:8443/app1/");
    });

    for (const app of ["app1", "app2"]) {
        test(`${app}: the demo page and its script and style answer`, async () => {
            const page = await get(`/${app}/`);
            assert.equal(page.status, 200);
            assert.match(page.type, /^text\/html/);
            assert.match(page.body, new RegExp(`<script src="/${app}/app\\.js" defer>`));
            for (const file of ["app.js", "style.css", "info.json"]) assert.equal((await get(`/${app}/${file}`)).status, 200, file);
        });
        test(`${app}: the backend answers with its release and counts visits in its own database`, async () => {
            const info = JSON.parse((await get(`/api/${app}/info`)).body);
            assert.equal(info.app, app);
            assert.match(info.release, /^sha256:[0-9a-f]{64}$/, "the image built from demo/backend, released by its ID");
            assert.match(info.instance, new RegExp(`^${app}-backend-[0-9a-f]{10}$`));
            assert.equal(info.db.connected, true);
            const first = JSON.parse((await get(`/api/${app}/items`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).body);
            const second = JSON.parse((await get(`/api/${app}/items`)).body);
            assert.equal(second.db.visits, first.db.visits + 1);
        });
    }

    test("each release runs the image built from the repository's Dockerfile", () => {
        for (const image of ["platform-local/app1-backend:built", "platform-local/app1-frontend:built"]) {
            const r = spawnSync("docker", ["image", "inspect", "-f", "{{.Id}}", image], { encoding: "utf8" });
            assert.equal(r.status, 0, `${image}: ${r.stderr}`);
        }
    });

    test("a destroy removes everything it made: containers, networks, volumes, the data folder", () => {
        const r = e2e("--down");
        down = lastJsonLine(r.stdout);
        assert.equal(r.status, 0, r.stderr.slice(-2000));
        assert.equal(down!.ok, true, down!.error);
        assert.deepEqual(down!.leftovers, { containers: [], networks: [], volumes: [], dataFolder: false });
    });
});
