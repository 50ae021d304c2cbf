// The local test images (tests/support/images/build.sh) behave as the end-to-end tests need:
// postgres with a password over TCP and trust on its socket, the demo backend counting visits in
// it, the broken backend never healthy, the frontend under a locked-down runtime, nginx -t.
// Skips when Docker is unavailable, unless CI=true (then it fails); builds the images if needed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { needs } from "../support/requirements";

const REPO_ROOT = typeof __dirname === "string" ? path.resolve(__dirname, "../..") : process.cwd();
const BUILD_SCRIPT = path.join(REPO_ROOT, "tests/support/images/build.sh");
const PREFIX = `imgtest-${randomBytes(3).toString("hex")}-`;
const NET = `${PREFIX}net`;
const PG = `${PREFIX}pg`;
const PG_VOLUME = `${PREFIX}pgdata`;
const PASSWORD = "imgtest-pw";
const HARDENED = ["--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"];

interface Result { code: number; stdout: string; stderr: string }

function exec(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? -1, stdout, stderr });
        });
        child.stdin.end(opts.input ?? "");
    });
}

/** Runs docker; throws with its output unless it exits 0 (or `allowFail`). */
async function docker(args: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): Promise<Result> {
    const r = await exec("docker", args, opts);
    if (r.code !== 0 && !opts.allowFail) {
        throw new Error(`docker ${args.join(" ")} exited ${r.code}\n${r.stderr}${r.stdout}`);
    }
    return r;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

/** HTTP GET from inside a container (curl is in every image): status and body. */
async function httpGet(container: string, url: string): Promise<{ status: number; body: string }> {
    const r = await docker(["exec", container, "curl", "-s", "-m", "5", "-w", "\n%{http_code}", url], { allowFail: true });
    if (r.code !== 0) throw new Error(`curl ${url} in ${container} exited ${r.code}: ${r.stderr}`);
    const cut = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

/** Polls until `url` answers (any status), then returns that first answer. */
function firstAnswer(container: string, url: string) {
    return waitFor(`${url} in ${container}`, 20_000, () => httpGet(container, url));
}

// Throws in CI (CI=true), where nothing may skip.
const skip = needs("docker");

describe("local test images", { skip, timeout: 15 * 60_000 }, () => {
    before(async () => {
        // A warm run takes well under a second; a cold one (debootstrap) about a minute, as root.
        const build = await exec("bash", [BUILD_SCRIPT], { timeoutMs: 10 * 60_000 });
        if (build.code !== 0) throw new Error(`${BUILD_SCRIPT} failed:\n${build.stderr}${build.stdout}`);
        await docker(["network", "create", NET]);
        await docker(["volume", "create", PG_VOLUME]);
    });

    after(async () => {
        const ids = (await docker(["ps", "-aq", "--filter", `name=${PREFIX}`], { allowFail: true })).stdout.split(/\s+/).filter(Boolean);
        if (ids.length) await docker(["rm", "-fv", ...ids], { allowFail: true });
        await docker(["network", "rm", NET], { allowFail: true });
        await docker(["volume", "rm", PG_VOLUME], { allowFail: true });
    });

    it("local/postgres:15 sets the password, serves TCP with it and trusts its own socket", async () => {
        await docker(["run", "-d", "--name", PG, "--network", NET, "-v", `${PG_VOLUME}:/var/lib/postgresql/data`,
            "-e", `POSTGRES_PASSWORD=${PASSWORD}`, "local/postgres:15"]);
        await waitFor("pg_isready over TCP", 60_000, async () =>
            (await docker(["exec", PG, "pg_isready", "-h", "127.0.0.1", "-U", "postgres"], { allowFail: true })).code === 0 ? true : undefined);

        const psqlOverTcp = (password: string) => docker(["run", "--rm", "--network", NET, "-e", `PGPASSWORD=${password}`,
            "local/postgres:15", "psql", "-h", PG, "-U", "postgres", "-tAc", "select current_user"], { allowFail: true });
        const ok = await psqlOverTcp(PASSWORD);
        assert.equal(ok.stdout.trim(), "postgres", ok.stderr);
        const bad = await psqlOverTcp("wrong");
        assert.notEqual(bad.code, 0, "a wrong password must be refused over TCP");
        assert.match(bad.stderr, /password authentication failed/);

        const local = await docker(["exec", "-i", PG, "psql", "-U", "postgres", "-tA"], { input: "select 6 * 7;\n" });
        assert.equal(local.stdout.trim(), "42");
        for (const tool of ["pg_dump", "pg_restore"]) {
            assert.match((await docker(["exec", PG, tool, "--version"])).stdout, /\b15\.\d+/);
        }
    });

    it("local/demo-backend:1 counts visits in its database and reports the database in /health", async () => {
        const be = `${PREFIX}backend`;
        await docker(["run", "-d", "--name", be, "--network", NET, ...HARDENED, "-e", "APP_NAME=imgtest",
            "-e", `DATABASE_URL=postgres://postgres:${PASSWORD}@${PG}:5432/postgres`, "local/demo-backend:1"]);
        await waitFor("backend health 200", 20_000, async () =>
            (await httpGet(be, "http://localhost:3000/health")).status === 200 ? true : undefined);

        const health = await httpGet(be, "http://localhost:3000/api/imgtest/health");
        assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: "ok", version: "1" }]);
        const first = await httpGet(be, "http://localhost:3000/api/x");
        const second = await httpGet(be, "http://localhost:3000/api/x");
        assert.equal(first.status, 200, first.body);
        const a = JSON.parse(first.body);
        const b = JSON.parse(second.body);
        assert.equal(a.app, "imgtest");
        assert.equal(a.service, "backend");
        assert.equal(a.version, "1");
        assert.equal(typeof a.db.visits, "number");
        assert.ok(b.db.visits > a.db.visits, `visit count should grow: ${a.db.visits} then ${b.db.visits}`);

        // Database gone: /health and requests say so (503), so the platform never routes to it.
        await docker(["stop", PG]);
        assert.equal((await httpGet(be, "http://localhost:3000/health")).status, 503);
        assert.equal((await httpGet(be, "http://localhost:3000/api/x")).status, 503);

        // SIGTERM drains and exits 0 well before docker's 10 s kill.
        const t0 = Date.now();
        await docker(["stop", be]);
        assert.ok(Date.now() - t0 < 8000, `docker stop took ${Date.now() - t0} ms`);
        assert.equal((await docker(["inspect", "-f", "{{.State.ExitCode}}", be])).stdout.trim(), "0");
    });

    it("local/demo-backend:broken listens but is never healthy", async () => {
        const be = `${PREFIX}broken`;
        await docker(["run", "-d", "--name", be, ...HARDENED, "local/demo-backend:broken"]);
        assert.equal((await firstAnswer(be, "http://localhost:3000/health")).status, 500);
        assert.equal((await httpGet(be, "http://localhost:3000/api/x")).status, 500);
    });

    it("local/demo-frontend:1 serves as uid 10001 on a read-only root with no capabilities", async () => {
        const fe = `${PREFIX}frontend`;
        await docker(["run", "-d", "--name", fe, ...HARDENED, "--user", "10001", "-e", "APP_NAME=imgtest", "local/demo-frontend:1"]);
        const health = await firstAnswer(fe, "http://localhost:8080/imgtest/health");
        assert.equal(health.status, 200);
        const page = await httpGet(fe, "http://localhost:8080/imgtest/");
        assert.equal(page.status, 200);
        assert.ok(page.body.includes('{"app":"imgtest","service":"frontend","version":"1"}'), page.body);
        assert.equal((await docker(["exec", fe, "id", "-u"])).stdout.trim(), "10001");
    });

    it("local/nginx:1 passes nginx -t, serves and reloads", async () => {
        const test = await docker(["run", "--rm", "local/nginx:1", "nginx", "-t"]);
        assert.match(test.stderr, /test is successful/);
        const ng = `${PREFIX}nginx`;
        await docker(["run", "-d", "--name", ng, "local/nginx:1"]);
        assert.equal((await firstAnswer(ng, "http://localhost/")).status, 200);
        await docker(["exec", ng, "nginx", "-s", "reload"]);
        assert.equal((await httpGet(ng, "http://localhost/")).status, 200);
    });

    it("local/nginx:1.30 is production's nginx line with every module the platform's config uses", async () => {
        const v = (await docker(["run", "--rm", "local/nginx:1.30", "nginx", "-V"])).stderr;
        assert.match(v, /nginx version: nginx\/1\.30\.\d+/);
        for (const m of ["http_ssl", "http_v2", "http_realip", "http_stub_status"]) assert.match(v, new RegExp(`--with-${m}_module(\\s|$)`), m);
        assert.doesNotMatch(v, /--without-http_gzip_module/);
    });

    it("local/nginx:1.30 serves with workers as uid 101, reloads, and stops gracefully on docker stop", async () => {
        const ng = `${PREFIX}nginx130`;
        await docker(["run", "-d", "--name", ng, "local/nginx:1.30"]);
        assert.equal((await firstAnswer(ng, "http://localhost/")).status, 200);
        const workers = (await docker(["top", ng, "-eo", "pid,uid,args"])).stdout.split("\n").filter((l) => /nginx: worker process/.test(l));
        assert.ok(workers.length > 0 && workers.every((l) => l.trim().split(/\s+/)[1] === "101"), workers.join("\n"));
        await docker(["exec", ng, "nginx", "-s", "reload"]);
        assert.equal((await httpGet(ng, "http://localhost/")).status, 200);
        await docker(["stop", ng]);
        // dumb-init turned docker stop's SIGTERM into nginx's graceful SIGQUIT.
        assert.match((await docker(["logs", ng])).stderr, /signal 3 \(SIGQUIT\) received/);
        assert.equal((await docker(["inspect", "-f", "{{.State.ExitCode}}", ng])).stdout.trim(), "0");
    });
});
