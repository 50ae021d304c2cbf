// The host firewall's port-22 rule (UFW): from server.adminCidrs only, unless server.hostSshRule
// says deployments come from changing addresses. host-firewall.py is the real script; cloud-init
// installs and runs it at first boot, and an `up` runs it again over SSH whenever the rule set or
// the pinned helper image changes (it refuses a rule set that would cut off that session), because
// cloud-init runs only once. A rule edited by hand stays until then (docs/github-actions.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { formatCidr, parseCidr } from "../config/admin-cidrs";
import { heredoc, shq } from "./shell";

export const HOST_FIREWALL_SCRIPT = fs.readFileSync(path.join(__dirname, "host-firewall.py"), "utf8");
/** Where cloud-init installs it on a new server. */
export const HOST_FIREWALL_PATH = "/usr/local/sbin/platform-ssh-firewall";

export type HostSshRule = "adminCidrs" | "securityGroupOnly";

export interface HostSshAccess {
    readonly rule: HostSshRule;
    readonly adminCidrs: readonly string[];
}

/** The script's arguments: the mode, then each range in canonical form (validated config only). */
export function hostFirewallArgs(a: HostSshAccess): string[] {
    if (a.rule === "securityGroupOnly") return [a.rule];
    return [
        a.rule,
        ...a.adminCidrs.map((c) => {
            const parsed = parseCidr(c);
            if (!parsed) throw new Error(`server.adminCidrs: ${JSON.stringify(c)} is not a CIDR (validation lets none through)`);
            return formatCidr(parsed);
        }),
    ];
}

/**
 * Not --privileged: what nsenter needs to enter PID 1's namespaces (SYS_ADMIN, SYS_CHROOT,
 * SYS_PTRACE to open /proc/1/ns) and ufw to write its files and load rules (DAC_OVERRIDE,
 * NET_ADMIN, NET_RAW). Docker's AppArmor and seccomp profiles would refuse setns and mount.
 */
const CAPS = ["--cap-drop ALL", ...["SYS_ADMIN", "SYS_CHROOT", "SYS_PTRACE", "DAC_OVERRIDE", "NET_ADMIN", "NET_RAW"].map((c) => `--cap-add ${c}`), "--security-opt apparmor=unconfined", "--security-opt seccomp=unconfined"].join(" ");

/**
 * The deploy user has no root, but Docker: the script runs in the host's namespaces from a one-off
 * container of an image the server pulls anyway (nsenter into PID 1's namespaces runs
 * the host's own python3 and ufw). The script comes on stdin, in a quoted heredoc; SSH_CONNECTION goes along so it can
 * see whose session would be cut off. `target` is a process in other namespaces (tests only).
 */
export function hostFirewallCommand(a: HostSshAccess, image: string, target = 1): string {
    const argv = hostFirewallArgs(a).map(shq).join(" ");
    return [
        "set -euo pipefail",
        `docker run --rm -i --pid=host --network=none --user 0 ${CAPS} --entrypoint nsenter -e SSH_CONNECTION ${shq(image)} \\`,
        `    --target ${target} --mount --uts --ipc --net --pid -- python3 - ${argv} ${heredoc(HOST_FIREWALL_SCRIPT)}`,
    ].join("\n") + "\n";
}
