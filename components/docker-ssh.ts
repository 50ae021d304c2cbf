// How the Docker provider reaches a server's engine over SSH (`host: ssh://...`).
// Used by components/server.ts; tests/components/ssh-bursts.test.ts dials a real sshd with them.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The folder of the master connection's socket: the user's own (in /tmp another user could listen first). */
export const SSH_CONTROL_DIR = "~/.ssh";

/**
 * The Docker provider's `sshOpts`. It runs one system `ssh ... docker system dial-stdio` per HTTP
 * connection, as many at once as the engine runs resources (docs/engine-notes.md section 12), and
 * sshd drops handshakes past MaxStartups. With a master connection (ControlMaster=auto) every
 * dial after the first is a new session on one TCP/SSH connection; ControlPersist keeps it 120 s
 * after the last session. %C hashes this machine, the server, the port and the user into a short
 * name. Dials that race the first master connect on their own, as without these options; the
 * server's MaxStartups and MaxSessions (render/cloud-init.ts) take both kinds.
 */
export const DOCKER_SSH_OPTS: readonly string[] = [
    "-o", "ServerAliveInterval=30",
    "-o", "ControlMaster=auto",
    "-o", `ControlPath=${SSH_CONTROL_DIR}/cm-%C`,
    "-o", "ControlPersist=120",
];

/**
 * The server's identity for ssh: only the host key in `knownHostsFile` is accepted, never one learnt
 * on first contact (the program pins the key it generated, render/ssh-host-key.ts). For the Docker
 * provider (before DOCKER_SSH_OPTS) and the release coordinator's `ssh`. Options come before the
 * host in docker's connhelper, and for ssh the first value of an option wins.
 */
export const pinnedHostOpts = (knownHostsFile: string): string[] => ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHostsFile}`, "-o", "GlobalKnownHostsFile=/dev/null"];

/** The known_hosts file of one server of one stack, in ~/.ssh where `pulumi up` runs. */
export const knownHostsFile = (project: string, stack: string, server: string): string => `${SSH_CONTROL_DIR}/known_hosts.${project}-${stack}-${server}`;

/**
 * Writes the server's pinned key as its known_hosts file (`~` is the passwd entry's home, as ssh
 * expands it). Written by the program on every run, on the machine that runs it: a CI runner starts
 * with an empty ~/.ssh.
 */
export function writeKnownHosts(file: string, line: string, home: string = os.userInfo().homedir): void {
    const target = file.replace(/^~(?=\/)/, home);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    fs.writeFileSync(target, line, { mode: 0o600 });
}

/**
 * Makes ~/.ssh (0700) where `pulumi up` runs when it is missing: ssh creates it only to write
 * known_hosts, and a master whose socket folder is missing exits 255 (OpenSSH mux.c
 * muxserver_listen), failing every dial. `~` is the passwd entry's home, as ssh expands it.
 */
export function ensureSshControlDir(home: string = os.userInfo().homedir): string {
    const dir = path.join(home, ".ssh");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
}

/** Only a real run dials: under the mocks (tests, `npm run render`) nothing is written to ~/.ssh. */
export const writesKnownHosts = (): boolean => pulumi.runtime.hasEngine();
