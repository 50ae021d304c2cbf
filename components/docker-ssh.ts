// How the Docker provider reaches a server's engine over SSH (`host: ssh://...`).
// Used by components/server.ts; tests/components/ssh-bursts.test.ts dials a real sshd with them.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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
    "-o", "StrictHostKeyChecking=accept-new",
    "-o", "ServerAliveInterval=30",
    "-o", "ControlMaster=auto",
    "-o", `ControlPath=${SSH_CONTROL_DIR}/cm-%C`,
    "-o", "ControlPersist=120",
];

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
