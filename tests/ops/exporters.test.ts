// What the exporters rely on, against the real programs (their images cannot be pulled here):
// the monitor role on PostgreSQL 15, and nginx's stub_status server from render/monitoring.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { needs } from "../support/requirements";
import { startCluster, Cluster } from "../support/postgres";
import { MONITOR_ROLE, NGINX_STATUS_PORT, monitorRoleSql, nginxStatusFiles } from "../../render/monitoring/exporters";
import { ROLE_PASSWORD_ENV } from "../../render/database-sql";
import { NGINX_IMAGE, TEST_NGINX_CONF, needsImages, network, ok, opsRoot, removeContainers, sh, waitFor } from "../support/ops";

const skipPg = needs("root", "runuser", "/usr/lib/postgresql/15/bin/initdb");
let cluster: Cluster | undefined;
const NGINX = "opstest-exporters-nginx";
const NET = "opstest-exporters-net";
const skipNginx = needsImages(NGINX_IMAGE);
const ops = skipNginx ? undefined : opsRoot();
after(() => {
    cluster?.stop();
    removeContainers(NGINX);
    sh("docker", ["network", "rm", NET]);
    ops?.cleanup();
});

test("the monitor role: idempotent, logs in with its password, reads pg_stat views, owns nothing and writes nothing", { skip: skipPg }, () => {
    cluster = startCluster();
    for (const pw of ["first-password", "second-password"]) {
        const r = cluster.psql(monitorRoleSql(ROLE_PASSWORD_ENV), { env: { [ROLE_PASSWORD_ENV]: pw } });
        assert.equal(r.status, 0, r.stderr);
    }
    const login = cluster.login(MONITOR_ROLE, "second-password", "postgres", "SELECT count(*) > 0 FROM pg_stat_activity; SELECT pg_has_role(current_user, 'pg_monitor', 'member');");
    assert.equal(login.status, 0, login.stderr);
    assert.deepEqual(login.stdout.trim().split("\n"), ["t", "t"]);
    assert.notEqual(cluster.login(MONITOR_ROLE, "first-password", "postgres", "SELECT 1").status, 0, "the old password no longer works");
    const write = cluster.login(MONITOR_ROLE, "second-password", "postgres", "CREATE TABLE x (i int);");
    assert.notEqual(write.status, 0);
    const attrs = cluster.psql(`SELECT rolsuper, rolcreatedb, rolcreaterole, rolconnlimit FROM pg_roles WHERE rolname = '${MONITOR_ROLE}';`).stdout;
    assert.match(attrs, /^\s*f\s*\|\s*f\s*\|\s*f\s*\|\s*3\s*$/m);
});

test("nginx's stub_status server answers on its unpublished port to private addresses only", { skip: skipNginx }, () => {
    network(NET);
    fs.mkdirSync(path.join(ops!.root, "nginx/conf.d"), { recursive: true });
    fs.mkdirSync(path.join(ops!.root, "logs/nginx"), { recursive: true });
    // The test nginx.conf plus the rendered file, included the way production's http block does.
    fs.writeFileSync(path.join(ops!.root, "nginx/nginx.conf"), TEST_NGINX_CONF.replace("    server {", "    include conf.d/*.conf;\n    server {"));
    for (const f of nginxStatusFiles()) fs.writeFileSync(path.join(ops!.root, "nginx", f.path), f.content);
    removeContainers(NGINX);
    ok("docker", ["run", "-d", "--name", NGINX, "--label", "opstest=1", "--network", NET, "-v", `${ops!.root}/nginx:/etc/nginx/platform:ro`, "-v", `${ops!.root}/logs/nginx:/var/log/nginx`, NGINX_IMAGE, "nginx", "-g", "daemon off;", "-c", "/etc/nginx/platform/nginx.conf"]);
    waitFor(() => sh("docker", ["exec", NGINX, "curl", "-fsS", "http://127.0.0.1/health"]).code === 0, 30_000, "nginx up");
    const status = ok("docker", ["exec", NGINX, "curl", "-fsS", `http://127.0.0.1:${NGINX_STATUS_PORT}/nginx_status`]);
    assert.match(status, /^Active connections: \d+/);
    // From another container on the same Docker network (a private address): what the exporter sees.
    const fromPeer = sh("docker", ["run", "--rm", "--network", NET, NGINX_IMAGE, "curl", "-fsS", `http://${NGINX}:${NGINX_STATUS_PORT}/nginx_status`]);
    assert.equal(fromPeer.code, 0, fromPeer.stderr);
    assert.match(fromPeer.stdout, /server accepts handled requests/);
    assert.match(ok("docker", ["exec", NGINX, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${NGINX_STATUS_PORT}/`]), /^404$/);
    // Not published: nothing on the host answers on that port.
    assert.equal(ok("docker", ["inspect", "-f", "{{json .NetworkSettings.Ports}}", NGINX]).includes(String(NGINX_STATUS_PORT) + "/tcp\":[{"), false);
});
