// The demo is what new users copy: its public routes must not hand a client the database's errors
// (they name hosts, ports, roles and tables), nor let anyone hold a connection with ?delay=, nor
// let one client count visits as fast as it likes. The backend and frontend run here as plain node
// processes from demo/ (the code the images hold), with no Docker: a database that refuses
// connections stands in for one that is down.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { freePort } from "../support/ports";

const DEMO = path.resolve(__dirname, "../../demo");
const ROOT_MODULES = path.resolve(__dirname, "../../node_modules");
const PASSWORD = "Demo-Secret-Pw-7f3a";
// `require` of the shared helpers, for the pure parts (the demo is CommonJS).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shared = require(path.join(DEMO, "shared/http-server.js"));

interface Running {
    readonly url: string;
    readonly log: () => string;
    stop(): Promise<void>;
}

async function start(service: "backend" | "frontend", env: Record<string, string>): Promise<Running> {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [path.join(DEMO, service, "server.js")], {
        env: { PATH: process.env.PATH, NODE_PATH: ROOT_MODULES, APP_NAME: "demo1", PORT: String(port), ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
        try {
            await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
            break;
        } catch {
            if (i > 100) throw new Error(`${service} did not start:\n${out}`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    return {
        url,
        log: () => out,
        stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM")))),
    };
}

async function get(url: string, init: RequestInit = {}) {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("the demo backend with its database down", () => {
    let backend: Running;
    before(async () => {
        // A port nothing listens on: every query fails with ECONNREFUSED naming the address.
        const closed = await freePort();
        backend = await start("backend", { DATABASE_URL: `postgres://demo1:${PASSWORD}@127.0.0.1:${closed}/demo1_db` });
    });
    after(() => backend?.stop());

    for (const [route, status] of [["/api/demo1/items", 503], ["/health", 503], ["/api/demo1/health", 503], ["/api/demo1/info", 200]] as const) {
        it(`GET ${route}: ${status}, a fixed message and a request id; nothing of the database's error`, async () => {
            const r = await get(`${backend.url}${route}`);
            assert.equal(r.status, status);
            const body = JSON.parse(r.text);
            const id = r.headers.get("x-request-id");
            assert.match(id ?? "", /^[0-9a-f-]{36}$/);
            assert.equal(body.requestId, id, "the body names the request's id");
            assert.ok(body.error === "database unavailable" || body.db?.error === "database unavailable", r.text);
            for (const internal of ["ECONNREFUSED", "127.0.0.1", "demo1_db", PASSWORD]) assert.equal(r.text.includes(internal), false, `${internal} in ${r.text}`);
        });
    }

    it("the cause is in the server's log under the request id, without the password", async () => {
        const r = await get(`${backend.url}/api/demo1/items`);
        const id = JSON.parse(r.text).requestId as string;
        await new Promise((res) => setTimeout(res, 200));
        const line = backend.log().split("\n").find((l) => l.includes(`request ${id}:`));
        assert.ok(line, backend.log());
        assert.match(line, /ECONNREFUSED/);
        assert.equal(backend.log().includes(PASSWORD), false);
    });
});

describe("the demo backend's limits", () => {
    let limited: Running;
    let unlimited: Running;
    before(async () => {
        [limited, unlimited] = await Promise.all([start("backend", {}), start("backend", { DEMO_RATE_LIMIT_PER_SECOND: "0" })]);
    });
    after(async () => {
        await limited?.stop();
        await unlimited?.stop();
    });

    const burst = (b: Running, client: string) =>
        Promise.all(Array.from({ length: 120 }, () => get(`${b.url}/api/demo1/items`, { headers: { "x-real-ip": client } }).then((r) => r)));

    it("one client counting visits in a burst of 120 gets 429 with Retry-After beyond its share", async () => {
        const replies = await burst(limited, "203.0.113.7");
        const refused = replies.filter((r) => r.status === 429);
        assert.ok(refused.length >= 40, `${refused.length} of 120 refused`);
        assert.ok(replies.some((r) => r.status === 200), "the first ones are answered");
        assert.equal(refused[0].headers.get("retry-after"), "1");
    });

    it("another client is not held back by the first one's burst (control)", async () => {
        assert.equal((await get(`${limited.url}/api/demo1/items`, { headers: { "x-real-ip": "198.51.100.9" } })).status, 200);
    });

    it("DEMO_RATE_LIMIT_PER_SECOND=0 turns the limit off (benches): the same burst is all answered", async () => {
        const replies = await burst(unlimited, "203.0.113.7");
        assert.deepEqual([...new Set(replies.map((r) => r.status))], [200]);
    });

    it("a request body over 64 KiB: 413 with a fixed message", async () => {
        const r = await get(`${unlimited.url}/api/demo1/items`, { method: "POST", body: "x".repeat(100 * 1024), headers: { "x-real-ip": "192.0.2.1" } });
        assert.equal(r.status, 413);
        assert.equal(JSON.parse(r.text).error, "request body too large");
    });
});

describe("?delay=MS", () => {
    it("is ignored unless DEMO_ALLOW_DELAY=1, and capped at 2 s when it is", () => {
        const saved = process.env.DEMO_ALLOW_DELAY;
        try {
            delete process.env.DEMO_ALLOW_DELAY;
            assert.equal(shared.requestDelay(new URL("http://x/?delay=30000")), 0);
            process.env.DEMO_ALLOW_DELAY = "1";
            assert.equal(shared.requestDelay(new URL("http://x/?delay=30000")), 2000);
            assert.equal(shared.requestDelay(new URL("http://x/?delay=1500")), 1500);
        } finally {
            if (saved === undefined) delete process.env.DEMO_ALLOW_DELAY;
            else process.env.DEMO_ALLOW_DELAY = saved;
        }
    });

    // Generous bounds that still tell 2 s from the 20 s a client asked for (before: it waited 20 s).
    for (const service of ["backend", "frontend"] as const) {
        it(`${service}: a public ?delay=20000 does not hold the connection (none without the flag, 2 s with it)`, async () => {
            const [plain, flagged] = await Promise.all([start(service, {}), start(service, { DEMO_ALLOW_DELAY: "1" })]);
            try {
                const p = service === "backend" ? "/api/demo1/items" : "/demo1/info.json";
                for (const s of [plain, flagged]) {
                    const t0 = Date.now();
                    assert.equal((await get(`${s.url}${p}?delay=20000`)).status, 200);
                    assert.ok(Date.now() - t0 < 12_000, `${s === plain ? "without" : "with"} the flag it held the reply ${Date.now() - t0} ms`);
                }
            } finally {
                await plain.stop();
                await flagged.stop();
            }
        });
    }
});

describe("redact", () => {
    it("takes the password out of a URL and out of DATABASE_URL's", () => {
        const saved = process.env.DATABASE_URL;
        try {
            process.env.DATABASE_URL = `postgres://demo1:${PASSWORD}@db:5432/demo1_db`;
            const text = shared.redact(`failed at redis://u:hunter2@cache:6379 and password ${PASSWORD} seen`);
            assert.equal(text, "failed at redis://u:[redacted]@cache:6379 and password [redacted] seen");
        } finally {
            if (saved === undefined) delete process.env.DATABASE_URL;
            else process.env.DATABASE_URL = saved;
        }
    });
});
