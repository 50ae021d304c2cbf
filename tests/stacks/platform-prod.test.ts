// The production stack under mocks: what `pulumi up` would create on Scaleway, and the guards that
// keep the real engine from doing harm there (docs/engine-notes.md).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { READY_TIMEOUT, SERVER_IGNORED_CHANGES } from "../../components/server";
import { CONTAINER, NETWORK, REMOTE_COMMAND, Recorded, TEST_ADMIN_CIDR, VOLUME, isSecret, prodConfig, recordProgram, reveal } from "../support/program";
import { generatedPasswords, leaksIn } from "../support/leaks";
import { redact } from "../../tools/record";

let p: Recorded;
const agent = process.env.SSH_AUTH_SOCK;
before(async () => {
    // As in GitHub Actions: the deploy key is in an ssh-agent, not in stack config.
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    p = await recordProgram(prodConfig(), {});
});
/** The containers Pulumi manages; never empty, so a loop over them checks something. */
function containers() {
    const all = p.ofType(CONTAINER);
    assert.deepEqual(["mhylle-nginx", "mhylle-postgres", "mhylle-watchtower"].filter((n) => !all.some((c) => c.name === n)), [], "core containers missing");
    return all;
}
after(() => {
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = agent;
});

test("declares the server: IP, firewall, SSH key and Ubuntu 24.04 instance of 3 cores / 4 GB", () => {
    assert.equal(p.byName("server-ip").type, "scaleway:instance/ip:Ip");
    assert.equal(p.byName("server-ssh-key").type, "scaleway:iam/sshKey:SshKey");
    const instance = p.byName("server-instance");
    assert.equal(instance.inputs.type, "DEV1-M");
    assert.equal(instance.inputs.image, "ubuntu_noble");
    assert.equal(instance.inputs.zone, "fr-par-1");
    assert.match(String((reveal(instance.inputs.userData) as any)["cloud-init"]), /^#cloud-config\n/);
    assert.deepEqual(instance.options.propertyDependencies.securityGroupId, ["server-firewall"]);
});

test("the server is never replaced by `up`: protected, and image, root volume and user data changes ignored", () => {
    const instance = p.byName("server-instance");
    assert.equal(instance.options.protect, true);
    assert.deepEqual(instance.options.ignoreChanges.sort(), [...SERVER_IGNORED_CHANGES].sort());
    assert.equal(p.byName("server-ip").options.protect, true, "the address DNS points at survives a destroy by mistake");
});

test("the firewall drops inbound by default, opens 80/443 to all, and 22 and the status page's 9443 only to admin CIDRs", () => {
    const fw = p.byName("server-firewall").inputs as any;
    assert.equal(fw.inboundDefaultPolicy, "drop");
    const rules = fw.inboundRules as { port: number; ipRange: string; action: string }[];
    assert.deepEqual([...new Set(rules.filter((r) => r.port !== 22 && r.port !== 9443).map((r) => r.port))].sort(), [443, 80]);
    assert.deepEqual(rules.filter((r) => r.port === 9443).map((r) => r.ipRange), [TEST_ADMIN_CIDR]);
    assert.deepEqual(rules.filter((r) => r.port === 22).map((r) => r.ipRange), [TEST_ADMIN_CIDR]);
});

test("prod deploys from GitHub-hosted runners: server.hostSshRule securityGroupOnly, UFW admits 22 from anywhere at first boot and on every up", () => {
    const cloudInit = parse(String((reveal(p.byName("server-instance").inputs.userData) as any)["cloud-init"]).replace(/^#cloud-config\n/, "")) as { runcmd: string[][] };
    const ufw = cloudInit.runcmd.filter((c) => c[0] === "ufw").map((c) => c.join(" "));
    assert.ok(ufw.includes("ufw default deny incoming"));
    assert.deepEqual(ufw.filter((l) => / 22\b/.test(l)), [], "port 22 is the script's alone");
    assert.deepEqual(cloudInit.runcmd.filter((c) => c[1] === "/usr/local/sbin/platform-ssh-firewall"), [["python3", "/usr/local/sbin/platform-ssh-firewall", "securityGroupOnly"]]);
    assert.match(String(p.byName("ssh-firewall").inputs.create), / python3 - 'securityGroupOnly' <<'PLATFORM_EOF'\n/);
});

test("the firewall's id and zone are stack outputs, for a CI job to let its runner through", () => {
    assert.deepEqual(p.outputs.sshFirewall, { zone: "fr-par-1", securityGroupId: "server-firewall-id" });
});

test("the Docker provider is configured only after the server is ready", () => {
    const provider = p.byName("server-docker");
    assert.match(String(provider.inputs.host), /^ssh:\/\/deploy@51\.159\.168\.239$/);
    assert.ok(provider.options.propertyDependencies.host.includes("server-ready"), "host must depend on the readiness command's output");
    const ready = p.byName("server-ready");
    assert.match(String(ready.inputs.create), /cloud-init status --wait/);
    const connection = reveal(ready.inputs.connection) as { dialErrorLimit?: number; user?: string };
    assert.equal(connection.dialErrorLimit, -1, "first boot: keep dialling until sshd answers");
    assert.deepEqual(ready.options.customTimeouts, { create: READY_TIMEOUT }, "a dropped address fails the update instead of hanging it");
    assert.ok(ready.options.dependsOn.includes("server-firewall"), "SSH rules are applied before the first dial");
    assert.equal(connection.user, "deploy");
});

test("no command's connection holds key text, agent or not, even when sshPrivateKey is set (the agent carries the key for both providers)", async () => {
    // The shared recording has no sshPrivateKey, so key text could not appear there: set one here,
    // with no agent in the environment (preflight's agent check is the mocks' to skip: tools/record.ts).
    delete process.env.SSH_AUTH_SOCK;
    const withKey = await recordProgram(prodConfig(), { sshPrivateKey: "test-private-key" });
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    const commands = withKey.ofType(REMOTE_COMMAND);
    assert.ok(commands.length > 10);
    for (const cmd of commands) assert.equal((reveal(cmd.inputs.connection) as Record<string, unknown>).privateKey, undefined, cmd.name);
});

test("every command asks for no previous output in its environment (sshd refuses it)", () => {
    assert.ok(p.ofType(REMOTE_COMMAND).length > 10);
    for (const cmd of p.ofType(REMOTE_COMMAND)) assert.equal(cmd.inputs.addPreviousOutputInEnv, false, cmd.name);
});

test("every server command dials the server's address once it is ready, over a secret connection", () => {
    for (const cmd of p.ofType(REMOTE_COMMAND).filter((c) => c.name !== "server-ready")) {
        assert.ok(cmd.options.dependsOn.includes("server-ready"), `${cmd.name} must wait for server-ready`);
        assert.ok(isSecret(cmd.inputs.connection), `${cmd.name} connection must be secret`);
        assert.equal((reveal(cmd.inputs.connection) as Record<string, unknown>).host, "51.159.168.239", cmd.name);
    }
});

test("networks: core, internal database, one per app and one internal per app's database", () => {
    const nets = Object.fromEntries(p.ofType(NETWORK).map((n) => [n.name, n.inputs as any]));
    assert.deepEqual(Object.keys(nets).sort(), ["app1-database-network", "app1-network", "app2-database-network", "app2-network", "mhylle-database", "mhylle-network"]);
    for (const internal of ["mhylle-database", "app1-database-network", "app2-database-network"]) assert.equal(nets[internal].internal, true, internal);
    assert.equal(nets["mhylle-network"].internal, false);
});

test("only nginx publishes ports: 80, 443 and the status page's own origin (9443)", () => {
    const ports = (c: { inputs: Record<string, unknown> }) => (c.inputs.ports as { external: number; internal: number }[] | undefined) ?? [];
    assert.deepEqual(ports(p.byName("mhylle-nginx")).map((x) => [x.internal, x.external]), [[80, 80], [443, 443], [8443, 9443]]);
    const others = containers().filter((c) => c.name !== "mhylle-nginx");
    for (const c of others) assert.deepEqual(ports(c), [], `${c.name} must not publish ports`);
});

test("core images are pulled by their own resource before a replacement deletes the old container", () => {
    for (const name of ["mhylle-nginx", "mhylle-postgres", "mhylle-watchtower"]) {
        const image = p.byName(`${name}-image`);
        assert.equal(image.type, "docker:index/remoteImage:RemoteImage");
        assert.equal(image.inputs.keepLocally, true);
        assert.deepEqual(p.byName(name).options.propertyDependencies.image, [`${name}-image`]);
    }
    assert.match(String(p.byName("mhylle-nginx-image").inputs.name), /^nginx:1\.30@sha256:[0-9a-f]{64}$/, "pinned by digest at preview");
});

test("postgres: on its internal network as `postgres`; on each app's database network the pooler answers as `postgres`, by a command keyed on its ID", () => {
    const pg = p.byName("mhylle-postgres").inputs as any;
    assert.deepEqual(pg.networksAdvanced, [{ name: "mhylle-database", aliases: ["postgres"] }]);
    assert.deepEqual((p.byName("mhylle-pgbouncer").inputs as any).networksAdvanced, [{ name: "mhylle-database" }]);
    for (const app of ["app1", "app2"]) {
        const attach = p.byName(`${app}-database-attach`);
        assert.match(String(attach.inputs.create), new RegExp(`^# mhylle-pgbouncer is container mhylle-pgbouncer-[0-9a-f]{12}$`, "m"));
        assert.match(String(attach.inputs.create), /docker network connect --alias 'postgres' "\$net" "\$c"/);
        // PostgreSQL itself leaves the app's network (it was there before the pooler): one `postgres` only.
        assert.match(String(attach.inputs.create), new RegExp(`docker network disconnect '${app}-database-network' 'mhylle-postgres'`));
        assert.deepEqual(attach.options.propertyDependencies.create.sort(), [`${app}-database-network`, "mhylle-pgbouncer"].sort());
    }
});

test("nginx joins each app network by a command keyed on its container's ID, so a replaced nginx joins again", () => {
    const nginx = p.byName("mhylle-nginx").inputs as any;
    assert.deepEqual(nginx.networksAdvanced, [{ name: "mhylle-network" }]);
    for (const app of ["app1", "app2"]) {
        const attach = p.byName(`${app}-proxy-attach`);
        assert.match(String(attach.inputs.create), /^# mhylle-nginx is container mhylle-nginx-[0-9a-f]{12}$/m);
        assert.match(String(attach.inputs.create), new RegExp(`net='${app}-network'`));
        assert.ok(attach.options.propertyDependencies.create.includes("mhylle-nginx"));
    }
});

test("each backend joins its own database network only; frontends reach no database", () => {
    for (const app of ["app1", "app2"]) {
        const backend = String(p.byName(`${app}-backend-release`).inputs.create);
        assert.match(backend, new RegExp(`^network='${app}-network'$`, "m"));
        assert.match(backend, new RegExp(`^extra_networks=\\('${app}-database-network'\\)$`, "m"));
        const frontend = String(p.byName(`${app}-frontend-release`).inputs.create);
        assert.match(frontend, /^extra_networks=\(\)$/m);
        assert.doesNotMatch(frontend, /database/);
    }
});

test("the postgres volume is protected and kept on destroy; the superuser password is a file, not an env var", () => {
    const vol = p.byName("postgres-data");
    assert.equal(vol.type, VOLUME);
    assert.equal(vol.options.protect, true);
    assert.equal(vol.options.retainOnDelete, true);
    const pg = p.byName("mhylle-postgres").inputs as any;
    assert.deepEqual(pg.envs, ["POSTGRES_PASSWORD_FILE=/run/secrets/postgres-superuser", "PGDATA=/var/lib/postgresql/data/pgdata"]);
    assert.deepEqual(pg.volumes[1], { hostPath: "/opt/platform/secrets/postgres-superuser", containerPath: "/run/secrets/postgres-superuser", readOnly: true });
    assert.ok(isSecret(p.byName("database-superuser-secret").inputs.stdin));
});

test("secrets are marked secret wherever they travel, and no generated password is in any script", () => {
    for (const app of ["app1", "app2"]) {
        const db = p.resources.find((r) => r.name === `${app}-database` && r.type === REMOTE_COMMAND)!;
        assert.ok(isSecret(db.inputs.stdin), `${app} role password arrives on stdin as a secret`);
        assert.ok(isSecret(p.byName(`${app}-backend-release`).inputs.stdin), `${app} backend env file is secret`);
    }
    // The exact values the program generated, each searched for in full in every input that is not secret.
    const generated = generatedPasswords(p.resources);
    assert.deepEqual([...generated.keys()].sort(), ["app1-db-password", "app2-db-password", "database-superuser-password", "pgbouncer-auth-password"]);
    const app1 = p.resources.find((r) => r.name === "app1-database" && r.type === REMOTE_COMMAND)!;
    assert.ok(String(reveal(app1.inputs.stdin)).includes(generated.get("app1-db-password")!), "control: the value searched for is the one the program hands the database");
    assert.deepEqual(leaksIn(p.resources.map((r) => ({ file: r.key, text: JSON.stringify(redact(r.inputs)) })), generated), []);
});

test("no container Pulumi manages carries Watchtower's labels (its recreate would block Pulumi's next replacement)", () => {
    for (const c of containers()) {
        const labels = ((c.inputs.labels as any[]) ?? []).map((l) => l.label);
        assert.ok(!labels.some((l: string) => l.startsWith("com.centurylinklabs.watchtower")), `${c.name}: ${labels}`);
    }
    // Apps opt in one by one; one that did not says so (an image's own labels cannot opt it in).
    assert.doesNotMatch(String(p.byName("app1-backend-release").inputs.create), /watchtower\.enable=true|watchtower\.scope/, "apps opt in one by one");
    assert.match(String(p.byName("app1-backend-release").inputs.create), /watchtower\.enable=false/, "an app that did not opt in is labelled out");
    const env = (p.byName("mhylle-watchtower").inputs.envs as string[]).join("\n");
    assert.match(env, /WATCHTOWER_LABEL_ENABLE=true/);
    assert.match(env, /WATCHTOWER_SCOPE=mhylle/);
});

test("every container is limited, hardened, stops with a grace period and is replaced when its health check or tmpfs changes", () => {
    for (const c of containers()) {
        const i = c.inputs as any;
        assert.equal(i.restart, "unless-stopped", c.name);
        assert.ok(i.memory > 0, `${c.name} memory limit`);
        assert.deepEqual(i.logOpts, { "max-size": "10m", "max-file": "3" }, c.name);
        assert.ok(i.securityOpts.includes("no-new-privileges:true"), c.name);
        assert.deepEqual(i.capabilities.drops, ["ALL"], c.name);
        assert.equal(i.readOnly, true, c.name);
        assert.ok(i.destroyGraceSeconds >= 10, `${c.name} stops with a grace period`);
        assert.deepEqual(c.options.replaceOnChanges.sort(), ["healthcheck", "tmpfs"], c.name);
        assert.match(String(p.byName(`${c.name}-ready`).inputs.create), /docker update --pids-limit 512/, `${c.name} gets a pids limit`);
    }
    assert.equal((p.byName("mhylle-postgres").inputs as any).destroyGraceSeconds, 60);
    for (const app of ["app1", "app2"])
        for (const kind of ["frontend", "backend"]) {
            const s = String(p.byName(`${app}-${kind}-release`).inputs.create);
            for (const flag of ["--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges:true", "--user=10001:10001", "--memory=", "--pids-limit=512", "--restart=unless-stopped", "--log-opt=max-size=10m"])
                assert.ok(s.includes(flag), `${app}-${kind} lacks ${flag}`);
        }
});

test("a replaced core container first removes any same-named container Pulumi did not make", () => {
    for (const c of containers()) {
        const guard = p.byName(`${c.name}-guard`);
        assert.ok(c.options.dependsOn.includes(guard.name), c.name);
        // Only after the new image is pulled: a failed pull must leave the old container running.
        assert.ok(guard.options.dependsOn.includes(`${c.name}-image`), `${c.name}-guard waits for ${c.name}-image`);
        if (c.name === "mhylle-nginx-server") {
            // Created before the old one is deleted: its guard stops nothing; it renames a same-named
            // server only when a newer one of its role exists (tests/components/core-container-guard-current.test.ts).
            assert.match(String(guard.inputs.create), /docker ps -aq --no-trunc --latest --filter "label=\$label"/);
            assert.doesNotMatch(String(guard.inputs.create), /docker (stop|rm)\b/);
            continue;
        }
        assert.match(String(guard.inputs.create), new RegExp(`docker image inspect "\\$image"`), c.name);
        const spec = ((c.inputs.labels as any[]) ?? []).find((l) => l.label === "com.mhylle.platform.spec")?.value;
        assert.match(String(spec), /^[0-9a-f]{12}$/);
        assert.match(String(guard.inputs.create), new RegExp(`spec='${spec}'`));
    }
});

test("each app gets its database by an idempotent command that runs once postgres is ready", () => {
    for (const app of ["app1", "app2"]) {
        const db = p.resources.find((r) => r.name === `${app}-database` && r.type === REMOTE_COMMAND)!;
        assert.ok(db.options.dependsOn.includes("mhylle-postgres-ready"));
        assert.match(String(db.inputs.create), new RegExp(`CREATE DATABASE ${app}_db OWNER ${app}' WHERE NOT EXISTS`));
    }
    assert.match(String(p.byName("shared-database").inputs.create), /GRANT CONNECT, TEMPORARY ON DATABASE shared_db TO app1/);
});
