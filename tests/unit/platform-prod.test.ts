// The production stack under mocks: what `pulumi up` would create on Scaleway.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { READY_TIMEOUT } from "../../components/server";
import { CONTAINER, NETWORK, REMOTE_COMMAND, Recorded, VOLUME, isSecret, recordProgram, reveal } from "../support/program";
import { prodConfig, TEST_ADMIN_CIDR } from "../support/prod-stack";

let p: Recorded;
before(async () => {
    p = await recordProgram(prodConfig());
});

test("declares the server: IP, firewall, SSH key and Ubuntu 24.04 instance of 3 cores / 4 GB", () => {
    assert.equal(p.byName("server-ip").type, "scaleway:instance/ip:Ip");
    assert.equal(p.byName("server-ssh-key").type, "scaleway:iam/sshKey:SshKey");
    const instance = p.byName("server-instance");
    assert.equal(instance.inputs.type, "DEV1-M");
    assert.equal(instance.inputs.image, "ubuntu_noble");
    assert.equal(instance.inputs.zone, "fr-par-1");
    assert.match(String((instance.inputs.userData as any)["cloud-init"]), /^#cloud-config\n/);
    assert.deepEqual(instance.options.propertyDependencies.securityGroupId, ["server-firewall"]);
});

test("the firewall drops inbound by default, opens 80/443 to all and 22 only to admin CIDRs", () => {
    const fw = p.byName("server-firewall").inputs as any;
    assert.equal(fw.inboundDefaultPolicy, "drop");
    const rules = fw.inboundRules as { port: number; ipRange: string; action: string }[];
    assert.ok(rules.every((r) => r.action === "accept"));
    assert.deepEqual([...new Set(rules.filter((r) => r.port !== 22).map((r) => r.port))].sort(), [443, 80]);
    assert.deepEqual(rules.filter((r) => r.port === 22).map((r) => r.ipRange), [TEST_ADMIN_CIDR]);
    assert.deepEqual([...new Set(rules.map((r) => r.port))].sort((a, b) => a - b), [22, 80, 443]);
});

test("SSH is the security group's rule alone: UFW lets 22 through, so a new admin address never meets a stale copy", () => {
    const cloudInit = parse(String((p.byName("server-instance").inputs.userData as any)["cloud-init"]).replace(/^#cloud-config\n/, "")) as { runcmd: string[][] };
    const ufw = cloudInit.runcmd.filter((c) => c[0] === "ufw").map((c) => c.join(" "));
    assert.ok(ufw.includes("ufw allow 22/tcp"), ufw.join("\n"));
    assert.ok(ufw.includes("ufw default deny incoming"));
    assert.deepEqual(ufw.filter((l) => l.includes(" from ")), [], "no per-address UFW rule written once at first boot");
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

test("every server command waits for readiness and reaches the server with a secret key", () => {
    for (const cmd of p.ofType(REMOTE_COMMAND).filter((c) => c.name !== "server-ready")) {
        assert.ok(cmd.options.dependsOn.includes("server-ready"), `${cmd.name} must wait for server-ready`);
        assert.ok(isSecret(cmd.inputs.connection), `${cmd.name} connection must be secret`);
    }
});

test("networks: core, an internal database network and one per app", () => {
    const nets = Object.fromEntries(p.ofType(NETWORK).map((n) => [n.name, n.inputs as any]));
    assert.deepEqual(Object.keys(nets).sort(), ["app1-network", "app2-network", "mhylle-database", "mhylle-network"]);
    assert.equal(nets["mhylle-database"].internal, true, "the database network has no way out");
    assert.equal(nets["mhylle-network"].internal, false);
});

test("only nginx publishes ports: 80 and 443", () => {
    for (const c of p.ofType(CONTAINER)) {
        const ports = (c.inputs.ports as { external: number; internal: number }[] | undefined) ?? [];
        if (c.name === "mhylle-nginx") assert.deepEqual(ports.map((x) => [x.internal, x.external]), [[80, 80], [443, 443]]);
        else assert.deepEqual(ports, [], `${c.name} must not publish ports`);
    }
});

test("postgres is reachable only on the database network, as `postgres`", () => {
    const pg = p.byName("mhylle-postgres").inputs as any;
    assert.deepEqual(pg.networksAdvanced, [{ name: "mhylle-database", aliases: ["postgres"] }]);
    assert.equal(pg.image, "postgres:15");
    assert.deepEqual(pg.healthcheck.tests.slice(0, 2), ["CMD", "pg_isready"]);
});

test("nginx sits on the core network and joins each app network by command, never by replacement", () => {
    const nginx = p.byName("mhylle-nginx").inputs as any;
    assert.deepEqual(nginx.networksAdvanced, [{ name: "mhylle-network" }]);
    for (const app of ["app1", "app2"]) {
        const attach = p.byName(`${app}-proxy-attach`);
        assert.match(String(attach.inputs.create), new RegExp(`docker network connect '${app}-network' mhylle-nginx`));
        assert.ok(attach.options.dependsOn.includes(`${app}-network`));
    }
});

test("each backend joins its app network and the database network; frontends do not reach the database", () => {
    for (const app of ["app1", "app2"]) {
        const backend = String(p.byName(`${app}-backend-release`).inputs.create);
        assert.match(backend, new RegExp(`^network='${app}-network'$`, "m"));
        assert.match(backend, /^extra_networks=\('mhylle-database'\)$/m);
        assert.match(backend, /docker create --name "\$new" --network "\$network"/);
        assert.match(backend, /docker network connect "\$n" "\$new"/);
        const frontend = String(p.byName(`${app}-frontend-release`).inputs.create);
        assert.match(frontend, new RegExp(`^network='${app}-network'$`, "m"));
        assert.match(frontend, /^extra_networks=\(\)$/m);
        assert.doesNotMatch(frontend, /mhylle-database/);
    }
});

test("the postgres volume is protected and kept on destroy", () => {
    const vol = p.byName("postgres-data");
    assert.equal(vol.type, VOLUME);
    assert.equal(vol.options.protect, true);
    assert.equal(vol.options.retainOnDelete, true);
    assert.deepEqual((p.byName("mhylle-postgres").inputs as any).volumes, [{ volumeName: "postgres-data", containerPath: "/var/lib/postgresql/data" }]);
});

test("secrets are marked secret wherever they travel", () => {
    assert.ok(isSecret(p.byName("mhylle-postgres").inputs.envs), "postgres env holds the superuser password");
    for (const app of ["app1", "app2"]) {
        assert.ok(isSecret(p.byName(`${app}-database`).inputs.stdin), `${app} role password arrives on stdin as a secret`);
        assert.ok(isSecret(p.byName(`${app}-backend-release`).inputs.stdin), `${app} backend env file is secret`);
        assert.doesNotMatch(JSON.stringify(p.byName(`${app}-database`).inputs.create), /mock-/, "no password in the script");
    }
    const plain = JSON.stringify(p.resources.map((r) => [r.inputs.create, r.inputs.update, r.inputs.delete]));
    assert.doesNotMatch(plain, /mock-[a-z0-9-]+-password/, "no generated password in any command line");
});

test("Watchtower labels: nginx and watchtower opt in, postgres and the apps do not", () => {
    const labels = (name: string) => Object.fromEntries(((p.byName(name).inputs.labels as any[]) ?? []).map((l) => [l.label, l.value]));
    for (const name of ["mhylle-nginx", "mhylle-watchtower"]) {
        assert.equal(labels(name)["com.centurylinklabs.watchtower.enable"], "true", name);
        assert.equal(labels(name)["com.centurylinklabs.watchtower.scope"], "mhylle", name);
    }
    assert.equal(labels("mhylle-postgres")["com.centurylinklabs.watchtower.enable"], undefined);
    assert.doesNotMatch(String(p.byName("app1-backend-release").inputs.create), /watchtower\.enable/);
    const env = (p.byName("mhylle-watchtower").inputs.envs as string[]).join("\n");
    assert.match(env, /WATCHTOWER_LABEL_ENABLE=true/);
    assert.match(env, /WATCHTOWER_SCOPE=mhylle/);
    assert.match(env, /WATCHTOWER_SCHEDULE=0 0 \*\/6 \* \* \*/);
    assert.doesNotMatch(String(p.byName("mhylle-watchtower").inputs.image), /containrrr/);
});

test("every container is limited and hardened", () => {
    for (const c of p.ofType(CONTAINER)) {
        const i = c.inputs as any;
        assert.equal(i.restart, "unless-stopped", c.name);
        assert.ok(i.memory > 0, `${c.name} memory limit`);
        assert.deepEqual(i.logOpts, { "max-size": "10m", "max-file": "3" }, c.name);
        assert.ok(i.securityOpts.includes("no-new-privileges:true"), c.name);
        assert.deepEqual(i.capabilities.drops, ["ALL"], c.name);
        assert.equal(i.readOnly, true, c.name);
    }
    for (const app of ["app1", "app2"])
        for (const kind of ["frontend", "backend"]) {
            const s = String(p.byName(`${app}-${kind}-release`).inputs.create);
            for (const flag of ["--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges:true", "--user=10001:10001", "--memory=", "--restart=unless-stopped", "--log-opt=max-size=10m"])
                assert.ok(s.includes(flag), `${app}-${kind} lacks ${flag}`);
        }
});

test("each app gets its database by an idempotent command that runs after postgres is up", () => {
    for (const app of ["app1", "app2"]) {
        const db = p.byName(`${app}-database`);
        assert.ok(db.options.dependsOn.includes("mhylle-postgres"));
        assert.match(String(db.inputs.create), new RegExp(`CREATE DATABASE ${app}_db OWNER ${app}' WHERE NOT EXISTS`));
        assert.match(String(db.inputs.create), new RegExp(`REVOKE ALL ON DATABASE ${app}_db FROM PUBLIC`));
    }
    assert.match(String(p.byName("shared-database").inputs.create), /GRANT CONNECT, TEMPORARY ON DATABASE shared_db TO app1/);
});
