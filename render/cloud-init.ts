// cloud-init user data for the Scaleway server: Docker engine, UFW (deny inbound but SSH, HTTP and
// HTTPS), unattended security upgrades, a deploy user with key-only SSH, log rotation.
import { LOG_OPTS } from "./container-policy";
import { stringify } from "yaml";

export interface CloudInitInput {
    readonly deployUser: string;
    readonly sshPublicKey: string;
    /** Platform root the deploy user owns. */
    readonly root: string;
}

/**
 * The platform's sshd settings (/etc/ssh/sshd_config.d/60-platform.conf): keys only, no root, and
 * room for the bursts of one `pulumi up` (docs/engine-notes.md section 12). MaxStartups (default
 * 10:30:100: past 10 handshakes in flight, 30% of new ones dropped) takes the first dials of the
 * Docker provider, made before its master connection is up, and pulumi-command's, which never
 * share one. MaxSessions (default 10) takes the Docker provider's sessions on its one master
 * connection: a session past it is refused and ssh falls back to a connection of its own (OpenSSH
 * mux.c). The engine runs 4 x GOMAXPROCS resources at once.
 */
export const SSHD_PLATFORM_CONF = "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\nMaxStartups 100:30:200\nMaxSessions 100\n";

/** Docker daemon defaults: the platform's log rotation for every container, live restore across upgrades. */
export const DAEMON_JSON = { "log-driver": "json-file", "log-opts": { ...LOG_OPTS }, "live-restore": true };

export function renderCloudInit(c: CloudInitInput): string {
    const ufw = [
        "ufw --force reset",
        "ufw default deny incoming",
        "ufw default allow outgoing",
        "ufw allow 80/tcp",
        "ufw allow 443/tcp",
        // Who may reach SSH is the security group's rule alone (server.adminCidrs). cloud-init runs
        // once, so a UFW copy of that list would go stale: a new admin address added later would be
        // let through by the security group and dropped here, locking `pulumi up` out over SSH.
        "ufw allow 22/tcp",
        "ufw --force enable",
    ];
    const doc = {
        package_update: true,
        package_upgrade: true,
        // python3 and openssl run the status report (platform-status) and the certificate checks.
        packages: ["docker.io", "docker-compose-v2", "ufw", "unattended-upgrades", "fail2ban", "curl", "ca-certificates", "python3", "openssl", "acl"],
        users: [
            "default",
            {
                name: c.deployUser,
                groups: ["docker"],
                shell: "/bin/bash",
                lock_passwd: true,
                ssh_authorized_keys: [c.sshPublicKey],
            },
        ],
        ssh_pwauth: false,
        disable_root: true,
        write_files: [
            { path: "/etc/docker/daemon.json", permissions: "0644", content: JSON.stringify(DAEMON_JSON, null, 2) + "\n" },
            {
                path: "/etc/ssh/sshd_config.d/60-platform.conf",
                permissions: "0644",
                content: SSHD_PLATFORM_CONF,
            },
            {
                path: "/etc/apt/apt.conf.d/20auto-upgrades",
                permissions: "0644",
                content: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
            },
        ],
        runcmd: [
            ["systemctl", "restart", "docker"],
            ["systemctl", "restart", "ssh"],
            ["systemctl", "enable", "--now", "unattended-upgrades"],
            ["install", "-d", "-o", c.deployUser, "-g", c.deployUser, "-m", "0750", c.root],
            ...ufw.map((line) => line.split(" ")),
        ],
        final_message: "platform server ready after $UPTIME seconds",
    };
    // cloud-init reads YAML 1.1 (PyYAML): written as 1.1, a user named on, yes or off stays a
    // quoted string instead of turning into a boolean.
    return "#cloud-config\n" + stringify(doc, { lineWidth: 0, version: "1.1" });
}
