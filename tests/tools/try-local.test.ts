// The first command (npm run local = tools/try-local.sh) with doubles of npm, docker and pulumi on
// PATH: what it runs, in which order, with which backend and passphrase, and what it prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const SCRIPT = path.resolve(__dirname, "../../tools/try-local.sh");

/** Doubles that log "name argv | backend | passphrase file" to calls.log. */
function sandbox(opts: { dockerUp?: boolean; contextEndpoint?: string; dockerHost?: string } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "try-local-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const double = (name: string, body = "") =>
        fs.writeFileSync(
            path.join(bin, name),
            `#!/bin/bash\necho "${name} $* | \${PULUMI_BACKEND_URL:-} | \${PULUMI_CONFIG_PASSPHRASE_FILE:-}" >> ${log}\necho "${name} $1 DOCKER_HOST=\${DOCKER_HOST-<unset>}" >> ${log}.env\n${body}\n`,
            { mode: 0o755 },
        );
    double("npm");
    // `docker context inspect` prints the current context's endpoint, as Docker Desktop's or colima's would.
    const context = opts.contextEndpoint === undefined ? "" : `[ "$1 $2" = "context inspect" ] && { echo '${opts.contextEndpoint}'; exit 0; }`;
    double("docker", `${context}\n${opts.dockerUp === false ? "exit 1" : "exit 0"}`);
    double("pulumi", `[ "$1 $2" = "stack output" ] && echo '["https://127.0.0.1:8443/app1/","https://127.0.0.1:8443/app2/"]'; exit 0`);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, TRY_LOCAL_STATE: path.join(dir, "state"), PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "" };
    delete env.DOCKER_HOST;
    delete env.DOCKER_CONTEXT;
    if (opts.dockerHost !== undefined) env.DOCKER_HOST = opts.dockerHost;
    const run = (...args: string[]) => spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", env });
    const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
    /** "program first-argument DOCKER_HOST=value" for each call, in order. */
    const envs = () => (fs.existsSync(`${log}.env`) ? fs.readFileSync(`${log}.env`, "utf8").trim().split("\n") : []);
    return { dir, run, calls, envs, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test("npm run local: npm ci, a state backend of its own, the local stack, pulumi up; then the URLs and what the certificate warning means", () => {
    const s = sandbox();
    try {
        const r = s.run();
        assert.equal(r.status, 0, r.stderr);
        const state = path.join(s.dir, "state");
        const steps = s.calls().filter((c) => !c.startsWith("docker "));
        assert.deepEqual(steps.map((c) => c.split(" | ")[0]), [
            "npm ci --no-audit --no-fund",
            "pulumi stack select --create local --secrets-provider passphrase",
            "pulumi up --yes --stack local",
            "pulumi stack output urls --stack local --json",
        ]);
        for (const c of steps.filter((c) => c.startsWith("pulumi"))) assert.ok(c.endsWith(` | file://${state} | ${state}/passphrase`), c);
        assert.equal(fs.statSync(path.join(state, "passphrase")).mode & 0o077, 0, "the passphrase file is the user's only");
        assert.match(fs.readFileSync(path.join(state, "passphrase"), "utf8"), /^[0-9a-f]{48}$/);
        assert.match(r.stdout, /^  https:\/\/127\.0\.0\.1:8443\/app1\/$/m);
        assert.match(r.stdout, /certificate is not trusted[\s\S]*self-signed/);
    } finally {
        s.cleanup();
    }
});

test("the passphrase made on first use is kept: the second run reads the same state", () => {
    const s = sandbox();
    try {
        s.run();
        const first = fs.readFileSync(path.join(s.dir, "state", "passphrase"), "utf8");
        s.run();
        assert.equal(fs.readFileSync(path.join(s.dir, "state", "passphrase"), "utf8"), first);
    } finally {
        s.cleanup();
    }
});

test("npm run local -- destroy removes the local stack's resources", () => {
    const s = sandbox();
    try {
        const r = s.run("destroy");
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(s.calls().filter((c) => c.startsWith("pulumi")).map((c) => c.split(" | ")[0]), ["pulumi destroy --yes --stack local"]);
    } finally {
        s.cleanup();
    }
});

test("without a running Docker it stops at once with what to do, before installing anything", () => {
    const s = sandbox({ dockerUp: false });
    try {
        const r = s.run();
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^try-local: Docker is not running or not reachable \(start Docker Desktop/);
        assert.deepEqual(s.calls().filter((c) => !c.startsWith("docker ")), []);
    } finally {
        s.cleanup();
    }
});

const COLIMA = "unix:///home/u/.colima/default/docker.sock";

test("Docker Desktop, colima, rootless: the CLI context's endpoint is the DOCKER_HOST of the engine check and of pulumi up", () => {
    const s = sandbox({ contextEndpoint: COLIMA });
    try {
        const r = s.run();
        assert.equal(r.status, 0, r.stderr);
        const envs = s.envs();
        assert.ok(envs.includes(`docker info DOCKER_HOST=${COLIMA}`), envs.join("\n"));
        assert.ok(envs.includes(`pulumi up DOCKER_HOST=${COLIMA}`), envs.join("\n"));
    } finally {
        s.cleanup();
    }
});

test("a DOCKER_HOST already set wins over the context", () => {
    const s = sandbox({ contextEndpoint: COLIMA, dockerHost: "tcp://10.0.0.5:2376" });
    try {
        assert.equal(s.run().status, 0);
        assert.ok(s.envs().includes("pulumi up DOCKER_HOST=tcp://10.0.0.5:2376"), s.envs().join("\n"));
        assert.ok(!s.calls().some((c) => c.startsWith("docker context")), "the context is not asked");
    } finally {
        s.cleanup();
    }
});

test("no context endpoint (an old docker CLI): DOCKER_HOST stays unset, the provider's own default applies", () => {
    const s = sandbox();
    try {
        assert.equal(s.run().status, 0);
        assert.ok(s.envs().includes("pulumi up DOCKER_HOST=<unset>"), s.envs().join("\n"));
    } finally {
        s.cleanup();
    }
});
