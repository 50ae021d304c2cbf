// Releases over three servers, under mocks: each server only installs its release; one coordinator
// per app service rolls it over the servers in order, from where `pulumi up` runs, after every
// server installed it; the load balancer takes a server only once its apps are released.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { LOCAL_COMMAND, Recorded, prodConfig, recordProgram, reveal } from "../support/program";
import { generatedPasswords, leaksIn } from "../support/leaks";

let p: Recorded;
const agent = process.env.SSH_AUTH_SOCK;
before(async () => {
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    const raw = prodConfig() as Record<string, any>;
    raw.server = { ...raw.server, count: 3 };
    raw.database = { ...raw.database, managed: { enabled: true } };
    p = await recordProgram(raw, {});
});
after(() => {
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = agent;
});

const SERVICES = ["app1-frontend", "app1-backend", "app2-frontend", "app2-backend"];

test("on each server a release is only installed: its phases and env, nothing that serves changes", () => {
    for (const s of ["", "-s2", "-s3"])
        for (const svc of SERVICES) {
            const install = String(p.byName(`${svc}-release${s}`).inputs.create);
            assert.match(install, new RegExp(`dir='/opt/platform/releases/${svc}'`));
            assert.match(install, /cat >"\$dir\/prepare\.sh\.tmp" <<'PLATFORM_RELEASE_EOF'/);
            assert.doesNotMatch(install.split("PLATFORM_RELEASE_EOF")[0], /docker (create|start|stop|rm)/, "the install part itself starts or stops nothing");
        }
});

test("prepare keeps the old container and records it; finish drains it; revert switches back to it", () => {
    const install = String(p.byName("app1-backend-release").inputs.create);
    const prepare = install.split("PLATFORM_RELEASE_EOF")[1];
    assert.match(prepare, /pending="\$root\/state\/release-app1-backend\.pending"/);
    assert.match(prepare, /printf '%s %s %s\\n' "\$live" "\$idle" "\$new" >"\$pending\.tmp"/);
    assert.doesNotMatch(prepare, /draining and removing/, "prepare never drains");
    assert.match(prepare, /rollback\(\) \{/, "prepare keeps the watch's switch back");
    const phase = install.split("PLATFORM_RELEASE_EOF")[3];
    assert.match(phase, /draining and removing \$old/);
    assert.match(phase, /switched back to/);
});

test("one coordinator per app service, run where `pulumi up` runs, over the servers in order by SSH", () => {
    const rollouts = p.ofType(LOCAL_COMMAND).filter((c) => c.name.endsWith("-rollout"));
    assert.deepEqual(rollouts.map((r) => r.name).sort(), SERVICES.map((s) => `${s}-rollout`).sort());
    const text = String(p.byName("app1-backend-rollout").inputs.create);
    assert.match(text, /^servers=\('server 1 \(51\.159\.168\.239\)' 'server 2 \(51\.159\.168\.241\)' 'server 3 \(51\.159\.168\.242\)'\)$/m);
    for (const [i, ip] of [[0, "51.159.168.239"], [1, "51.159.168.241"], [2, "51.159.168.242"]] as const)
        assert.match(text, new RegExp(`^on_server_${i}\\(\\) \\{ 'ssh' .*'BatchMode=yes'.*'deploy@${ip.replace(/\./g, "\\.")}' 'bash' '/opt/platform/releases/app1-backend/run' "\\$@"; \\}$`, "m"));
    assert.deepEqual(reveal(p.byName("app1-backend-rollout").inputs.interpreter), ["/bin/bash", "-c"]);
});

test("the coordinator holds no secret and no key: the env stays on the servers, SSH uses the agent", () => {
    const r = p.byName("app1-backend-rollout");
    assert.equal(r.inputs.stdin, undefined);
    assert.doesNotMatch(String(r.inputs.create), /PASSWORD|BEGIN OPENSSH/);
    const generated = generatedPasswords(p.resources);
    assert.ok(generated.size >= 3, [...generated.keys()].join());
    assert.deepEqual(leaksIn(p.ofType(LOCAL_COMMAND).map((c) => ({ file: c.name, text: String(c.inputs.create) })), generated), []);
});

test("the coordinator runs after every server installed the release, and changes with what any server installed", () => {
    const r = p.byName("app1-backend-rollout");
    assert.deepEqual(r.options.dependsOn.filter((d) => d.includes("-release")).sort(), ["app1-backend-release", "app1-backend-release-s2", "app1-backend-release-s3"]);
    const identities = String(r.inputs.create).match(/^# server \d release [0-9a-f]{16}$/gm);
    assert.equal(identities?.length, 3);
});

test("the load balancer takes the servers only once every app is rolled out on them", () => {
    const backend = p.byName("load-balancer-servers");
    assert.deepEqual(backend.options.dependsOn.filter((d) => d.endsWith("-rollout")).sort(), SERVICES.map((s) => `${s}-rollout`).sort());
});
