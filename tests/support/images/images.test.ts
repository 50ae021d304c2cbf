// The local test images (tests/support/images/build.sh) behave as the end-to-end tests need:
// postgres with a password over TCP and trust on its socket, and nginx -t. The demo app's images
// (local/demo/*) have their own tests: demo-app.test.ts and demo-page.test.ts.
// Skips when Docker is unavailable, unless CI=true (then it fails); builds the images if needed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { needs } from "../requirements";
import { buildTestImages, docker, removeContainersNamed, waitFor } from "../containers";

const PREFIX = `imgtest-${randomBytes(3).toString("hex")}-`;
const NET = `${PREFIX}net`;
const PG = `${PREFIX}pg`;
const PG_VOLUME = `${PREFIX}pgdata`;
const PASSWORD = "imgtest-pw";

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
        // A warm run takes about a second; a cold one (debootstrap) a few minutes, as root.
        await buildTestImages();
        await docker(["network", "create", NET]);
        await docker(["volume", "create", PG_VOLUME]);
    });

    after(async () => {
        await removeContainersNamed(PREFIX);
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
