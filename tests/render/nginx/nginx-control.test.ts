// The nginx control functions config delivery and certificates share (render/nginx/nginx-control.sh,
// rendered by nginxControl) with a fake `docker` standing in for the nginx container: lock with a
// bounded wait, `nginx -t`, graceful reload, restore on a failed check. No Docker, no root; the
// same functions against a real nginx: tests/render/nginx/deliver.test.ts and tls/acme.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nginxControl } from "../../../render/nginx/control";
import { NGINX_LOCK } from "../../../render/nginx/layout";
import { script } from "../../../render/shell";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();

/** A platform root and a fake docker whose nginx rejects any config file that says "broken". */
function host() {
    const dir = tmp(path.join(os.tmpdir(), "nginx-control-"));
    const bin = path.join(dir, "bin");
    const calls = path.join(dir, "calls");
    // The running nginx containers, as `docker ps` lists them by label; those whose nginx rejects every config.
    const instances = path.join(dir, "instances");
    const rejecting = path.join(dir, "rejecting");
    fs.writeFileSync(instances, "mhylle-nginx-server-aaa\n");
    fs.mkdirSync(bin);
    fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/bash
echo "$*" >>'${calls}'
case "$*" in
  "ps --filter label=com.mhylle.platform=proxy --format {{.Names}}") cat '${instances}' ;;
  "exec mhylle-nginx-server-"*" nginx -t -c "*)
    if grep -q broken "$6" || grep -qxF "$2" '${rejecting}' 2>/dev/null; then echo "nginx: [emerg] unknown directive \\"broken\\" in $6:1" >&2; echo "nginx: configuration file $6 test failed" >&2; exit 1; fi
    echo "nginx: configuration file $6 test is successful" >&2 ;;
  "exec mhylle-nginx-server-"*" nginx -s reload -c "*) ;;
  *) echo "fake docker: unsupported docker $*" >&2; exit 99 ;;
esac
`,
        { mode: 0o755 },
    );
    const run = (lines: string[], lockWait = 900) =>
        spawnSync("bash", ["-c", script(nginxControl(dir, lockWait), ...lines)], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 30_000 });
    const called = () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : []);
    return { dir, run, called, lock: path.join(dir, NGINX_LOCK), instances, rejecting };
}

describe("nginx_reload", () => {
    it("checks the config with nginx -t, then reloads gracefully", () => {
        const h = host();
        fs.writeFileSync(path.join(h.dir, "nginx.conf"), "events {}\n");
        const r = h.run([`nginx_reload ${h.dir}/nginx.conf "not reloaded:"`]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^nginx reloaded$/m);
        assert.deepEqual(h.called().filter((c) => c.startsWith("exec")), [`exec mhylle-nginx-server-aaa nginx -t -c ${h.dir}/nginx.conf`, `exec mhylle-nginx-server-aaa nginx -s reload -c ${h.dir}/nginx.conf`]);
    });

    it("never reloads a config that fails its check: restores, fails with nginx's message", () => {
        const h = host();
        fs.writeFileSync(path.join(h.dir, "nginx.conf"), "broken;\n");
        const r = h.run([`nginx_reload ${h.dir}/nginx.conf "the check failed; restored:" touch ${h.dir}/restored || exit 3`, "echo not reached"]);
        assert.equal(r.status, 3, "nginx_reload returned non-zero");
        assert.match(r.stderr, /the check failed; restored:\nmhylle-nginx-server-aaa: nginx: \[emerg\] unknown directive "broken"/);
        assert.ok(fs.existsSync(path.join(h.dir, "restored")), "the restore command ran");
        assert.ok(!h.called().some((c) => c.includes("-s reload")), "no reload");
    });

    it("while an image change runs two nginx, checks the config in both and reloads both", () => {
        const h = host();
        fs.writeFileSync(h.instances, "mhylle-nginx-server-aaa\nmhylle-nginx-server-bbb\n");
        fs.writeFileSync(path.join(h.dir, "nginx.conf"), "events {}\n");
        const r = h.run([`nginx_reload ${h.dir}/nginx.conf "not reloaded:"`]);
        assert.equal(r.status, 0, r.stderr);
        const execs = h.called().filter((c) => c.startsWith("exec"));
        for (const c of ["aaa", "bbb"]) {
            assert.ok(execs.includes(`exec mhylle-nginx-server-${c} nginx -t -c ${h.dir}/nginx.conf`), `no check in ${c}: ${execs}`);
            assert.ok(execs.includes(`exec mhylle-nginx-server-${c} nginx -s reload -c ${h.dir}/nginx.conf`), `no reload of ${c}: ${execs}`);
        }
    });

    it("reloads neither when one of two rejects the config (their images may differ), naming it", () => {
        const h = host();
        fs.writeFileSync(h.instances, "mhylle-nginx-server-aaa\nmhylle-nginx-server-bbb\n");
        fs.writeFileSync(h.rejecting, "mhylle-nginx-server-bbb\n");
        fs.writeFileSync(path.join(h.dir, "nginx.conf"), "events {}\n");
        const r = h.run([`nginx_reload ${h.dir}/nginx.conf "the check failed:" || exit 3`]);
        assert.equal(r.status, 3);
        assert.match(r.stderr, /the check failed:\nmhylle-nginx-server-bbb: nginx: \[emerg\]/);
        assert.ok(!h.called().some((c) => c.includes("-s reload")), "no reload");
    });

    it("with no nginx running, nginx_running says so", () => {
        const h = host();
        fs.writeFileSync(h.instances, "");
        assert.equal(h.run(["nginx_running || exit 4"]).status, 4);
        fs.writeFileSync(h.instances, "mhylle-nginx-server-aaa\n");
        assert.equal(h.run(["nginx_running || exit 4"]).status, 0);
    });
});

describe("nginx_lock", () => {
    it("gives up after nginx_lock_wait seconds while another operation holds the lock, naming it", async () => {
        const h = host();
        fs.mkdirSync(path.dirname(h.lock), { recursive: true });
        const holder = spawn("flock", [h.lock, "sleep", "20"], { stdio: "ignore" });
        try {
            await new Promise((r) => setTimeout(r, 300));
            const began = Date.now();
            const r = h.run(["nginx_lock", "echo locked"], 1);
            assert.equal(r.status, 1);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, new RegExp(`nginx is locked by another operation \\(${h.lock}\\)`));
            assert.ok(Date.now() - began < 15_000, "bounded wait");
        } finally {
            holder.kill();
        }
    });

    it("takes a free lock and holds it for the rest of the script", () => {
        const h = host();
        const r = h.run(["nginx_lock", "nginx_lock", `flock -n ${h.lock} true && echo free || echo held`]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "held");
    });
});

describe("nginx_swap and nginx_restore", () => {
    const h = host();
    const [live, next, backup] = ["live", "next", "backup"].map((d) => path.join(h.dir, d));
    fs.mkdirSync(path.join(live, "routes"), { recursive: true });
    fs.mkdirSync(path.join(next, "routes"), { recursive: true });
    fs.writeFileSync(path.join(live, "nginx.conf"), "old\n");
    fs.writeFileSync(path.join(live, "routes/app2.conf"), "app2\n");
    fs.writeFileSync(path.join(next, "nginx.conf"), "new\n");
    const inode = fs.statSync(live).ino;
    const read = (d: string) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => `${path.relative(d, path.join(e.parentPath, e.name))}=${fs.readFileSync(path.join(e.parentPath, e.name), "utf8").trim()}`).sort();

    it("swaps the live folder's files in place, removing those the new set lacks, keeping the old ones", () => {
        const r = h.run([`nginx_swap ${live} ${next} ${backup}`]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(read(live), ["nginx.conf=new"]);
        assert.deepEqual(read(backup), ["nginx.conf=old", "routes/app2.conf=app2"]);
        assert.equal(fs.statSync(live).ino, inode, "same folder: it is a bind mount");
    });

    it("restores the previous files in place", () => {
        const r = h.run([`nginx_restore ${live} ${backup}`]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(read(live), ["nginx.conf=old", "routes/app2.conf=app2"]);
        assert.equal(fs.statSync(live).ino, inode);
    });
});
