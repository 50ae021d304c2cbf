// The deploy key reaches the server one way, the ssh-agent, for both providers (pulumi-command's
// connection and the Docker provider's ssh://, which runs the system ssh): before any resource, the
// scaleway target refuses to start unless the agent holds the key of server.sshPublicKey.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { deployKeyProblems, systemSshAgent, SshAgentView } from "../../stacks/preflight";
import type { PlatformConfig } from "../../config/schema";
import { record } from "../../tools/record";
import { prodConfig, TEST_DEPLOY_PRIVATE_KEY, TEST_DEPLOY_PUBLIC_KEY } from "../support/prod-stack";
import { needs } from "../support/requirements";

const scaleway = { target: "scaleway", server: { sshPublicKey: TEST_DEPLOY_PUBLIC_KEY } } as unknown as PlatformConfig;
const [keyType, keyBlob] = TEST_DEPLOY_PUBLIC_KEY.split(" ");
const OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey00 someone@laptop";

/** An agent whose `ssh-add -L` answers `status` and `stdout`, as OpenSSH's does. */
const fakeAgent = (status: number, stdout: string, socket: string | null = "/run/fake-agent.sock"): SshAgentView => ({ socket: socket ?? undefined, listKeys: () => ({ status, stdout }) });

test("no agent (SSH_AUTH_SOCK unset): refused on server.sshPublicKey, saying how to load the key", () => {
    const [p, ...more] = deployKeyProblems(scaleway, fakeAgent(0, `${TEST_DEPLOY_PUBLIC_KEY}\n`, null));
    assert.equal(more.length, 0);
    assert.equal(p.field, "server.sshPublicKey");
    assert.match(p.problem, /SSH_AUTH_SOCK is not set/);
    assert.match(p.problem, /ssh-add ~\/\.ssh\/mhylle_deploy/);
    assert.match(p.problem, /GitHub Actions/);
});

test("an agent that holds other keys, or none: refused, the key it lacks named by its field", () => {
    for (const [status, stdout, holds] of [
        [0, `${OTHER_KEY}\n`, /holds 1 other key/],
        [1, "The agent has no identities.\n", /holds no key/],
    ] as const) {
        const problems = deployKeyProblems(scaleway, fakeAgent(status, stdout));
        assert.equal(problems.length, 1, stdout);
        assert.equal(problems[0].field, "server.sshPublicKey");
        assert.match(problems[0].problem, /has no private key in the ssh-agent/);
        assert.match(problems[0].problem, holds);
        assert.match(problems[0].problem, /ssh-add ~\/\.ssh\/mhylle_deploy/);
    }
});

test("an agent that cannot be reached (ssh-add -L exits 2): refused, saying the agent does not answer", () => {
    const [p] = deployKeyProblems(scaleway, fakeAgent(2, ""));
    assert.match(p?.problem ?? "", /does not answer/);
});

test("an agent that holds the key passes, whatever the key's comment, among other keys", () => {
    assert.deepEqual(deployKeyProblems(scaleway, fakeAgent(0, `${OTHER_KEY}\n${keyType} ${keyBlob} another-comment@elsewhere\n`)), []);
    assert.deepEqual(deployKeyProblems(scaleway, fakeAgent(0, `${keyType} ${keyBlob}\n`)), []);
});

test("the same blob under another key type is not the key", () => {
    assert.equal(deployKeyProblems(scaleway, fakeAgent(0, `ssh-rsa ${keyBlob} x\n`)).length, 1);
});

test("the local target asks no agent", () => {
    const local = { ...scaleway, target: "local" } as PlatformConfig;
    assert.deepEqual(deployKeyProblems(local, fakeAgent(2, "", null)), []);
});

// The real `ssh-add -L` of a real agent, before and after the key is added.
const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-agent-"));
let agentPid: number | undefined;
after(() => {
    if (agentPid) process.kill(agentPid);
    fs.rmSync(agentDir, { recursive: true, force: true });
});
test("a real ssh-agent: refused while empty, accepted once the deploy key is added", { skip: needs("ssh-agent", "ssh-add") }, () => {
    const socket = path.join(agentDir, "agent.sock");
    const started = spawnSync("ssh-agent", ["-a", socket, "-s"], { encoding: "utf8" });
    assert.equal(started.status, 0, started.stderr);
    agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(started.stdout)?.[1]);
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = socket;
    try {
        assert.match(deployKeyProblems(scaleway, systemSshAgent)[0]?.problem ?? "", /holds no key/);
        const added = spawnSync("ssh-add", ["-q", "-"], { input: TEST_DEPLOY_PRIVATE_KEY, encoding: "utf8" });
        assert.equal(added.status, 0, added.stderr);
        assert.deepEqual(deployKeyProblems(scaleway, systemSshAgent), []);
    } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
    }
});

test("the program under an agent without the key: refused before any resource, even with sshPrivateKey set", async () => {
    const { program } = await import("../../stacks/program");
    let refused: unknown;
    const { resources } = await record(prodConfig(), () => program().catch((e: unknown) => (refused = e)), {
        secrets: { sshPrivateKey: TEST_DEPLOY_PRIVATE_KEY },
        sshAgent: fakeAgent(0, `${OTHER_KEY}\n`),
    });
    assert.ok(refused instanceof Error, "the program ran");
    assert.match(refused.message, /server\.sshPublicKey: has no private key in the ssh-agent/);
    assert.deepEqual(resources.map((r) => r.name), []);
});
