// The Docker provider dials one `ssh ... docker system dial-stdio` per connection, as many at once
// as the engine runs resources, and sshd drops handshakes past MaxStartups (kreuzwerker issue #262).
// A real sshd on 127.0.0.1 (foreground, killed after the tests) takes N parallel dials with the
// provider's own sshOpts (components/docker-ssh.ts), in the order docker's connhelper puts them
// (docker/cli v28.5.2 cli/connhelper: -l user -p port <sshOpts> -o ConnectTimeout=30 -T -- host cmd).
// Control: the same dials without the multiplexing options are dropped on the same server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { DOCKER_SSH_OPTS, ensureSshControlDir, SSH_CONTROL_DIR } from "../../components/docker-ssh";
import { renderCloudInit } from "../../render/cloud-init";
import { hostKeyFromSeed } from "../../render/ssh-host-key";
import { freePort } from "../support/ports";
import { needs } from "../support/requirements";
import { tempDirs } from "../support/tmp";

const skip = needs("root", "/usr/sbin/sshd", "ssh", "ssh-keygen");
/** Parallel dials: more than the engine's 4 x GOMAXPROCS on a 4-core runner, with pulumi-command's on top. */
const N = 40;
/** Low on purpose: past 3 handshakes in flight, every new one is dropped (set after the platform's, so it wins). */
const LOW_MAX_STARTUPS = "MaxStartups 3:100:3";
/** Each dial holds its session a second, as dial-stdio holds it for a request: the sessions of a burst overlap. */
const REMOTE_COMMAND = ["sleep", "1"];
const USER = os.userInfo().username;

const tmp = tempDirs();
let dir = "";
const servers: Sshd[] = [];

interface Sshd {
    readonly port: number;
    readonly child: ChildProcess;
    /** sshd's own log (-e: to stderr). */
    log(): string;
}

interface Dial {
    readonly code: number | null;
    readonly stderr: string;
}

/** The sshd_config the platform writes on the server, read from the rendered user data. */
function renderedSshdConf(): string {
    const userData = renderCloudInit({ deployUser: "deploy", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB8Q5nQYk1tXw0m2cZ3bJ8cK6qB1oZk5wJ2yJfQk9h7C test", root: "/opt/platform", hostKey: hostKeyFromSeed(Buffer.alloc(32, 1).toString("base64")), sshAccess: { rule: "adminCidrs", adminCidrs: ["51.159.0.10/32"] } });
    const doc = parse(userData.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] };
    const file = doc.write_files.find((f) => f.path === "/etc/ssh/sshd_config.d/60-platform.conf");
    assert.ok(file, "cloud-init writes /etc/ssh/sshd_config.d/60-platform.conf");
    return file.content;
}

/**
 * A throwaway sshd's config: this machine's user logs in with the test key; then the platform's own
 * sshd_config.d file as the server includes it, then `extra`. For most keywords the first value
 * wins; for MaxStartups the last (OpenSSH servconf.c), so a low one in `extra` overrides the platform's.
 */
function sshdConfig(port: number, extra: string): string {
    const platform = path.join(dir, "60-platform.conf");
    fs.writeFileSync(platform, renderedSshdConf());
    return [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${dir}/host_key`,
        `PidFile ${dir}/sshd-${port}.pid`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        // The keys sit in a folder under /tmp, which StrictModes refuses (group/world writable parent).
        "StrictModes no",
        "UsePAM no",
        // The test logs in as this machine's user (root in CI); first value wins over the platform's "no".
        "PermitRootLogin prohibit-password",
        "LogLevel VERBOSE",
        `Include ${platform}`,
        extra,
        "",
    ].join("\n");
}

async function startSshd(extra: string): Promise<Sshd> {
    const port = await freePort();
    const file = path.join(dir, `sshd-${port}.conf`);
    fs.writeFileSync(file, sshdConfig(port, extra));
    fs.appendFileSync(path.join(dir, "known_hosts"), `[127.0.0.1]:${port} ${fs.readFileSync(`${dir}/host_key.pub`, "utf8")}`);
    const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (d) => (log += d));
    const server: Sshd = { port, child, log: () => log };
    servers.push(server);
    const deadline = Date.now() + 15_000;
    while (!/Server listening on 127\.0\.0\.1 port/.test(log)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
    }
    return server;
}

/** What the test adds for itself: no user config, its own key and known_hosts, never a prompt. */
const testOpts = () => ["-F", "/dev/null", "-i", `${dir}/user_key`, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${dir}/known_hosts`, "-o", "BatchMode=yes"];

/** One dial as docker's connhelper makes it, running REMOTE_COMMAND instead of `docker system dial-stdio`. */
function dial(port: number, sshOpts: readonly string[]): Promise<Dial> {
    return new Promise((resolve) => {
        const child = spawn("ssh", ["-l", USER, "-p", String(port), ...testOpts(), ...sshOpts, "-o", "ConnectTimeout=30", "-T", "--", "127.0.0.1", ...REMOTE_COMMAND], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stderr }));
    });
}

const burst = (port: number, sshOpts: readonly string[]) => Promise.all(Array.from({ length: N }, () => dial(port, sshOpts)));
const failed = (dials: readonly Dial[]) => dials.filter((d) => d.code !== 0);
const accepted = (s: Sshd) => (s.log().match(/Accepted publickey for /g) ?? []).length;
const dropped = (s: Sshd) => (s.log().match(/past MaxStartups/g) ?? []).length;

/** The provider's options without the three that multiplex: how it dialled before. */
const withoutMultiplexing = DOCKER_SSH_OPTS.filter((o, i, all) => !/^Control/.test(o) && !(o === "-o" && /^Control/.test(all[i + 1] ?? "")));

/** Stops the master connection the provider's options leave behind (ControlPersist) for this server. */
function stopMaster(port: number) {
    spawnSync("ssh", ["-l", USER, "-p", String(port), ...testOpts(), ...DOCKER_SSH_OPTS, "-O", "exit", "--", "127.0.0.1"], { stdio: "ignore", timeout: 10_000 });
}

before(() => {
    if (skip) return;
    dir = tmp(path.join(os.tmpdir(), "ssh-bursts-"));
    // sshd run by root needs its privilege separation folder (the package's service makes it at start).
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    for (const key of ["host_key", "user_key"]) {
        const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ssh-bursts", "-f", `${dir}/${key}`], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
    }
    fs.copyFileSync(`${dir}/user_key.pub`, `${dir}/authorized_keys`);
    // What the Server component does before it configures the provider: the master's socket needs the folder.
    ensureSshControlDir();
});

after(() => {
    for (const s of servers) {
        stopMaster(s.port);
        s.child.kill("SIGTERM");
    }
});

test("without multiplexing, a burst of dials past the server's MaxStartups is dropped (the control)", { skip, timeout: 120_000 }, async () => {
    const sshd = await startSshd(LOW_MAX_STARTUPS);
    const dials = await burst(sshd.port, withoutMultiplexing);
    assert.ok(failed(dials).length > 0, `all ${N} dials succeeded: the server dropped none, so the next tests prove nothing`);
    assert.ok(dropped(sshd) > 0, `sshd logged no drop past MaxStartups:\n${sshd.log()}`);
    for (const d of failed(dials)) assert.match(d.stderr, /kex_exchange_identification|Connection closed|Connection reset/, d.stderr);
});

test("with the provider's sshOpts, every dial after the first rides one connection: none dropped, sshd accepts one login", { skip, timeout: 120_000 }, async () => {
    const sshd = await startSshd(LOW_MAX_STARTUPS);
    const first = await dial(sshd.port, DOCKER_SSH_OPTS);
    assert.equal(first.code, 0, first.stderr || sshd.log());
    const dials = await burst(sshd.port, DOCKER_SSH_OPTS);
    assert.deepEqual(failed(dials).map((d) => d.stderr), [], `${failed(dials).length} of ${N} dials failed`);
    assert.equal(accepted(sshd), 1, `sshd's log, one login expected:\n${sshd.log()}`);
    assert.equal(dropped(sshd), 0, sshd.log());
});

test("the server's rendered sshd_config passes `sshd -t` and takes a burst: drops and refused sessions only past N", { skip, timeout: 60_000 }, async () => {
    const file = path.join(dir, "rendered.conf");
    fs.writeFileSync(file, sshdConfig(await freePort(), ""));
    const check = spawnSync("/usr/sbin/sshd", ["-t", "-f", file], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
    const effective = spawnSync("/usr/sbin/sshd", ["-T", "-f", file], { encoding: "utf8" });
    assert.equal(effective.status, 0, effective.stderr);
    const m = /^maxstartups (\d+):(\d+):(\d+)$/m.exec(effective.stdout);
    assert.ok(m, effective.stdout);
    assert.ok(Number(m[1]) >= N, `MaxStartups ${m[1]}:${m[2]}:${m[3]}: drops start at ${m[1]} handshakes in flight, fewer than a burst of ${N}`);
    const sessions = /^maxsessions (\d+)$/m.exec(effective.stdout);
    assert.ok(sessions && Number(sessions[1]) >= N, `MaxSessions ${sessions?.[1]}: fewer sessions on the master connection than a burst of ${N}`);
});

test("a cold burst with the provider's sshOpts on the server's rendered sshd_config: every dial succeeds", { skip, timeout: 120_000 }, async () => {
    // No first dial: all N race to become the master; the losers connect on their own, as before.
    const sshd = await startSshd("");
    const dials = await burst(sshd.port, DOCKER_SSH_OPTS);
    assert.deepEqual(failed(dials).map((d) => d.stderr), [], `${failed(dials).length} of ${N} dials failed`);
    assert.equal(dropped(sshd), 0, sshd.log());
});

test("the master's socket folder: made private when missing, and the provider's ControlPath lies in it", () => {
    const home = tmp(path.join(os.tmpdir(), "ssh-home-"));
    const made = ensureSshControlDir(home);
    assert.equal(made, path.join(home, ".ssh"));
    assert.equal(fs.statSync(made).mode & 0o777, 0o700);
    const controlPath = DOCKER_SSH_OPTS.find((o) => o.startsWith("ControlPath="));
    assert.ok(controlPath?.startsWith(`ControlPath=${SSH_CONTROL_DIR}/`), `${controlPath} is not in ${SSH_CONTROL_DIR}`);
});
