// Three servers behind Scaleway's Load Balancer with the managed database, under mocks: the private
// network, the servers on it, the load balancer with explicit health checks and its certificate,
// the database with one user and one privilege per app and no public endpoint, and every app's
// DATABASE_URL on the private endpoint with TLS required.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CONTAINER, NETWORK, REMOTE_COMMAND, Recorded, TEST_ADMIN_CIDR, isSecret, prodConfig, recordProgram, reveal } from "../support/program";
import { decodeBundle } from "../../render/bundle";
import { MOCK_CA, redact } from "../../tools/record";
import { generatedPasswords, leaksIn } from "../support/leaks";

const LB = "scaleway:loadbalancers";
const DB = "scaleway:databases";
let p: Recorded;
const agent = process.env.SSH_AUTH_SOCK;
before(async () => {
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    const raw = prodConfig() as Record<string, any>;
    raw.server = { ...raw.server, count: 3 };
    raw.database = { ...raw.database, managed: { enabled: true, readReplicas: 1, backup: { frequencyHours: 12, retentionDays: 14 } } };
    raw.apps[0].readReplica = true;
    p = await recordProgram(raw, {});
});
after(() => {
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = agent;
});

const one = (type: string) => {
    const all = p.ofType(type);
    assert.equal(all.length, 1, `${type}: ${all.map((r) => r.name)}`);
    return all[0];
};
const servers = () => p.ofType("scaleway:instance/server:Server");
const file = (command: string, path: string) => {
    const f = decodeBundle(reveal(p.byName(command).inputs.stdin) as string).find((x) => x.path === path);
    assert.ok(f, `${command} puts no ${path} on the server`);
    return f.content;
};

test("a VPC and one private network in the servers' region", () => {
    assert.equal(one("scaleway:network/vpc:Vpc").inputs.region, "fr-par");
    const pn = one("scaleway:network/privateNetwork:PrivateNetwork");
    assert.equal(pn.inputs.region, "fr-par");
    assert.deepEqual(pn.options.propertyDependencies.vpcId, ["private-network-vpc"]);
});

test("three servers join the private network; server 1 keeps a single server's names", () => {
    assert.deepEqual(servers().map((s) => s.name).sort(), ["server-instance", "server-s2-instance", "server-s3-instance"]);
    for (const s of servers()) assert.deepEqual(s.inputs.privateNetworks, [{ pnId: "private-network-id" }], s.name);
    for (const name of ["mhylle-nginx", "mhylle-nginx-s2", "mhylle-nginx-s3"]) assert.equal(p.byName(name).inputs.name, "mhylle-nginx", "on its own server nginx keeps its container name");
});

test("every resource name is unique in the stack", () => {
    const keys = p.resources.map((r) => `${r.type}::${r.name}`);
    assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
});

test("the servers share one firewall: SSH from the admin ranges only, no web port open to the internet", () => {
    const firewalls = p.ofType("scaleway:instance/securityGroup:SecurityGroup");
    assert.equal(firewalls.length, 1);
    const rules = (firewalls[0].inputs as any).inboundRules as { port: number; ipRange: string }[];
    assert.deepEqual(rules, [{ action: "accept", protocol: "TCP", port: 22, ipRange: TEST_ADMIN_CIDR }]);
    assert.equal(firewalls[0].inputs.inboundDefaultPolicy, "drop");
    for (const s of servers()) assert.deepEqual(s.options.propertyDependencies.securityGroupId, ["server-firewall"], s.name);
    assert.equal(p.ofType("scaleway:iam/sshKey:SshKey").length, 1, "Scaleway refuses the same key twice");
});

test("each server keeps a public IP, for SSH and its own outbound traffic (image pulls)", () => {
    assert.equal(p.ofType("scaleway:instance/ip:Ip").length, 3);
});

test("the load balancer: its own protected public IP, on the private network, LB-S", () => {
    const ip = one(`${LB}/ip:Ip`);
    assert.equal(ip.options.protect, true, "DNS points at it");
    const lb = one(`${LB}/loadBalancer:LoadBalancer`);
    assert.equal(lb.inputs.type, "LB-S");
    assert.deepEqual(lb.inputs.ipIds, ["load-balancer-ip-id"]);
    assert.deepEqual(lb.inputs.privateNetworks, [{ privateNetworkId: "private-network-id" }]);
    assert.deepEqual(p.outputs.dnsRecords, ["mhylle.com. A 51.159.26.100", "www.mhylle.com. A 51.159.26.100"]);
});

test("its backend: every server's private IP, nginx's listener, PROXY protocol v2, explicit fast health checks", () => {
    const b = one(`${LB}/backend:Backend`).inputs as any;
    assert.deepEqual(b.serverIps, ["172.16.0.10", "172.16.0.11", "172.16.0.12"]);
    assert.equal(b.forwardProtocol, "http");
    assert.equal(b.forwardPort, 8080);
    assert.equal(b.proxyProtocol, "v2");
    assert.equal(b.healthCheckSendProxy, true);
    assert.deepEqual(b.healthCheckHttp, { uri: "/health", method: "GET", code: 200 });
    assert.deepEqual([b.healthCheckDelay, b.healthCheckTimeout, b.healthCheckMaxRetries, b.healthCheckPort], ["2s", "1s", 2, 8080]);
});

test("frontends: HTTPS on 443 with the load balancer's Let's Encrypt certificate for the domain and aliases; 80 redirects to HTTPS", () => {
    const cert = one(`${LB}/certificate:Certificate`).inputs as any;
    assert.deepEqual(cert.letsencrypt, { commonName: "mhylle.com", subjectAlternativeNames: ["www.mhylle.com"] });
    const fronts = Object.fromEntries(p.ofType(`${LB}/frontend:Frontend`).map((f) => [f.inputs.inboundPort, f.inputs as any]));
    assert.deepEqual(Object.keys(fronts).sort(), ["443", "80"]);
    assert.deepEqual(fronts[443].certificateIds, ["load-balancer-certificate-id"]);
    assert.deepEqual(fronts[80].acls.map((a: any) => a.action), [{ type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] }]);
    for (const f of Object.values(fronts)) assert.equal((f as any).backendId, "load-balancer-servers-id");
});

test("nginx publishes only the load balancer's listener, on its own server's private address", () => {
    for (const [name, ip] of [["mhylle-nginx", "172.16.0.10"], ["mhylle-nginx-s2", "172.16.0.11"], ["mhylle-nginx-s3", "172.16.0.12"]])
        assert.deepEqual(p.byName(name).inputs.ports, [{ internal: 8080, external: 8080, ip, protocol: "tcp" }], name);
});

test("nginx takes the client's address from the PROXY header of the load balancer's private addresses only", () => {
    for (const cmd of ["proxy-config", "proxy-config-s2", "proxy-config-s3"]) {
        const lb = file(cmd, "nginx/servers/load-balancer.conf");
        assert.match(lb, /listen 8080 proxy_protocol default_server reuseport;/);
        assert.deepEqual(lb.match(/set_real_ip_from \S+;/g)?.slice(0, 2), ["set_real_ip_from 172.16.0.250;", "set_real_ip_from fd5f:519c:6d46:2728::fa;"]);
        assert.match(lb, /real_ip_header proxy_protocol;/);
        assert.match(file(cmd, "nginx/snippets/proxy.conf"), /X-Forwarded-Proto \$platform_forwarded_proto;/);
        assert.match(file(cmd, "nginx/nginx.conf"), /map \$server_port \$platform_forwarded_proto \{\n\s+8080 https;/);
    }
});

test("the managed database: PostgreSQL 15 on the private network only, no public endpoint, Scaleway's backups on a schedule, protected", () => {
    const db = one(`${DB}/instance:Instance`);
    const i = db.inputs as any;
    assert.equal(i.engine, "PostgreSQL-15");
    assert.deepEqual(i.privateNetwork, { pnId: "private-network-id", enableIpam: true });
    assert.equal(i.loadBalancer, undefined, "a load balancer block is the public endpoint");
    assert.deepEqual([i.disableBackup, i.backupScheduleFrequency, i.backupScheduleRetention], [false, 12, 14]);
    assert.deepEqual([i.nodeType, i.isHaCluster, i.volumeType, i.volumeSizeInGb], ["DB-DEV-S", false, "sbs_5k", 10]);
    assert.equal(db.options.protect, true);
    assert.ok(isSecret(i.password));
    assert.equal(p.ofType(`${DB}/acl:Acl`).length, 0, "no public endpoint, so no ACL");
});

test("per app: one database, one user and one privilege, on its own database only", () => {
    const users = p.ofType(`${DB}/user:User`).map((u) => u.inputs as any);
    assert.deepEqual(users.map((u) => [u.name, u.isAdmin]).sort(), [["app1", false], ["app2", false], ["platform_backup", false]]);
    assert.deepEqual(p.ofType(`${DB}/database:Database`).map((d) => d.inputs.name).sort(), ["app1_db", "app2_db", "shared_db"]);
    const privileges = p.ofType(`${DB}/privilege:Privilege`).map((x) => x.inputs as any);
    const of = (user: string) => privileges.filter((x) => x.userName === user).map((x) => `${x.databaseName}:${x.permission}`).sort();
    // prod grants shared_db to both apps, as today's container does.
    assert.deepEqual(of("app1"), ["app1_db:all", "shared_db:all"]);
    assert.deepEqual(of("app2"), ["app2_db:all", "shared_db:all"]);
    assert.deepEqual(of("platform_backup"), ["app1_db:readonly", "app2_db:readonly", "shared_db:readonly"]);
    for (const u of p.ofType(`${DB}/user:User`)) assert.ok(isSecret(u.inputs.password), u.name);
});

test("every privilege waits for the database it names: its databaseName is that Database's output, so the engine creates the database first", () => {
    // A plain name would carry no dependency: on the first up SetPrivilege could run before CreateDatabase.
    const dbOf = new Map(p.ofType(`${DB}/database:Database`).map((d) => [d.inputs.name as string, d.name]));
    const privileges = p.ofType(`${DB}/privilege:Privilege`);
    assert.equal(privileges.length, 7);
    for (const x of privileges) {
        const db = dbOf.get(x.inputs.databaseName as string);
        assert.ok(db, `${x.name}: no Database named ${x.inputs.databaseName}`);
        assert.deepEqual(x.options.propertyDependencies.databaseName, [db], x.name);
        assert.ok(x.options.dependsOn.includes(db), `${x.name} does not wait for ${db}`);
    }
});

test("every backend's DATABASE_URL points at the private endpoint with TLS required and checked against the instance's certificate", () => {
    for (const suffix of ["", "-s2", "-s3"])
        for (const app of ["app1", "app2"]) {
            const release = p.byName(`${app}-backend-release${suffix}`);
            assert.ok(isSecret(release.inputs.stdin));
            const env = reveal(release.inputs.stdin) as string;
            const url = /^DATABASE_URL=(.*)$/m.exec(env)?.[1] ?? "";
            assert.match(url, new RegExp(`^postgres://${app}:[A-Za-z0-9_-]{32}@172\\.16\\.0\\.5:5432/${app}_db\\?sslmode=verify-full&sslrootcert=/run/platform/database-ca\\.pem$`));
            const script = String(release.inputs.create);
            assert.match(script, /--volume=\/opt\/platform\/database\/ca\.pem:\/run\/platform\/database-ca\.pem:ro/);
            assert.match(script, /^extra_networks=\(\)$/m, "no database network: the database is not on the server");
        }
});

test("no generated password (the managed database's users, the backup login) is in any input that is not secret, on any server", () => {
    const generated = generatedPasswords(p.resources);
    assert.deepEqual([...generated.keys()].sort(), ["managed-database-admin-password", "managed-database-app1-password", "managed-database-app2-password", "managed-database-backup-password"]);
    const env = reveal(p.byName("app1-backend-release-s2").inputs.stdin) as string;
    assert.ok(env.includes(`app1:${generated.get("managed-database-app1-password")}@`), "control: the value searched for is the one in app1's DATABASE_URL");
    assert.deepEqual(leaksIn(p.resources.map((r) => ({ file: r.key, text: JSON.stringify(redact(r.inputs)) })), generated), []);
});

test("an app that opts in gets DATABASE_READ_URL on the read replica; the others do not", () => {
    const replica = one(`${DB}/readReplica:ReadReplica`).inputs as any;
    assert.deepEqual(replica.privateNetwork, { privateNetworkId: "private-network-id", enableIpam: true });
    const env = (app: string) => reveal(p.byName(`${app}-backend-release`).inputs.stdin) as string;
    assert.match(env("app1"), /^DATABASE_READ_URL=postgres:\/\/app1:[^@]+@172\.16\.0\.7:5432\/app1_db\?sslmode=verify-full&sslrootcert=/m);
    assert.doesNotMatch(env("app2"), /DATABASE_READ_URL/);
});

test("every server gets the instance's address and certificate; only server 1 the backup login", () => {
    for (const s of ["", "-s2", "-s3"]) assert.equal(reveal(p.byName(`database-client-ca${s}`).inputs.stdin), `172.16.0.5 5432\n${MOCK_CA}`);
    assert.equal(p.ofType(REMOTE_COMMAND).filter((c) => c.name.startsWith("database-client-backup-login")).map((c) => c.name).join(), "database-client-backup-login");
    const login = p.byName("database-client-backup-login");
    assert.ok(isSecret(login.inputs.stdin));
    assert.match(reveal(login.inputs.stdin) as string, /^PGHOST=172\.16\.0\.5\nPGPORT=5432\nPGUSER=platform_backup\nPGPASSWORD=\S+\nPGSSLMODE=verify-full\nPGSSLROOTCERT=\/run\/platform\/database-ca\.pem\n/);
});

test("the nightly dump runs on server 1 only, against the managed instance over TLS; every status report checks the instance", () => {
    const backup = file("scheduler-jobs", "bin/backup.sh");
    assert.match(backup, /pg_client=\(docker run --rm -i --network host .*--env-file "\$pg_plain_env" -e PGPASSFILE="\$pgpass_mount" -v "\$pg_pass_file:\$pgpass_mount:ro" -v "\$pg_ca_file:\/run\/platform\/database-ca\.pem:ro"/);
    assert.match(backup, /dbs=\$\{PLATFORM_PG_DATABASES:-'app1_db app2_db shared_db'\}/);
    for (const s of ["-s2", "-s3"]) assert.throws(() => file(`scheduler-jobs${s}`, "bin/backup.sh"), /puts no bin\/backup\.sh/);
    for (const s of ["", "-s2", "-s3"]) {
        const status = file(`scheduler-jobs${s}`, "bin/platform-status");
        assert.match(status, /guarded\(r, "database", check_managed_database/);
        assert.match(status, /"coreContainers":\["mhylle-nginx","mhylle-watchtower"\]/, "no PostgreSQL container is expected");
        assert.equal(/"backups":true/.test(status), s === "", `server${s || " 1"} judges the dumps only where they are made`);
    }
});

test("no PostgreSQL container, volume or database network on any server", () => {
    assert.equal(p.ofType(CONTAINER).filter((c) => c.inputs.name === "mhylle-postgres").length, 0);
    assert.equal(p.ofType("docker:index/volume:Volume").filter((v) => v.inputs.name === "postgres-data").length, 0);
    assert.equal(p.ofType(NETWORK).filter((n) => String(n.inputs.name).endsWith("-database-network")).length, 0);
});

test("the servers ask no CA: the certificate is the load balancer's", () => {
    assert.equal(p.ofType(REMOTE_COMMAND).filter((c) => c.name.startsWith("certificates-issue")).length, 0);
    for (const s of ["", "-s2", "-s3"]) assert.throws(() => file(`scheduler-jobs${s}`, "bin/cert-renew.sh"), /puts no/);
});
