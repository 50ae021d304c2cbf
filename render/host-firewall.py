#!/usr/bin/env python3
# Converges UFW's rules for port 22 (run as root: by cloud-init at first boot, then by every `up`
# through components/ssh-host-firewall.ts). Usage:
#
#   platform-ssh-firewall adminCidrs CIDR...     port 22 from these ranges only
#   platform-ssh-firewall securityGroupOnly      port 22 from anywhere (the security group decides)
#
# Every value is checked before anything changes (exit 2, naming the field). Run from an SSH
# session ($SSH_CONNECTION set), a rule set that does not admit the session's own client address
# is refused (exit 2) and the old rules stay. New rules are added before old ones are deleted, and
# UFW's before.rules accepts ESTABLISHED traffic first, so no open session is dropped. An inactive
# UFW is enabled once the rules are in.
import ipaddress
import os
import re
import subprocess
import sys

FIELD = "server.adminCidrs"
MODE_FIELD = "server.hostSshRule"
MODES = ("adminCidrs", "securityGroupOnly")
COMMENT = "platform-ssh"
# Canonical forms only (what config/admin-cidrs.ts formatCidr writes): digits, dots, hex, colons.
V4 = re.compile(r"\A(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/(?:3[0-2]|[12]?[0-9])\Z")
V6 = re.compile(r"\A[0-9a-f:]{2,39}/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])\Z")
RULE_FILES = ("/etc/ufw/user.rules", "/etc/ufw/user6.rules")
# ### tuple ### allow tcp 22 0.0.0.0/0 any 198.51.100.0/24 in [comment=...]: port 22 to any
# destination, TCP or any protocol. Rules with other destinations or application profiles are left.
TUPLE = re.compile(r"^### tuple ### (allow|limit) (tcp|any) 22 (?:0\.0\.0\.0/0|::/0) any (\S+) in(?: comment=\S*)?$")


def refuse(message):
    print(f"platform-ssh-firewall: {message}; nothing was changed", file=sys.stderr)
    sys.exit(2)


def parse(args):
    if not args or args[0] not in MODES:
        refuse(f"{MODE_FIELD}: must be one of {', '.join(MODES)} (got {args[0] if args else 'nothing'!r})")
    mode, values = args[0], args[1:]
    if mode == "securityGroupOnly":
        if values:
            refuse(f"{FIELD}: securityGroupOnly takes no ranges (got {' '.join(values)!r})")
        return mode, [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
    if not values:
        refuse(f"{FIELD}: is empty: nobody could reach SSH; add your public address as a /32")
    nets = []
    for i, v in enumerate(values):
        try:
            if not (V4.match(v) or V6.match(v)):
                raise ValueError
            nets.append(ipaddress.ip_network(v, strict=True))
        except ValueError:
            refuse(f"{FIELD}[{i}]: must be a CIDR in canonical form (ADDRESS/BITS, no bits past the prefix) (got {v!r})")
    return mode, nets


def session_client():
    """The address the SSH session running this comes from, or None outside one."""
    conn = os.environ.get("SSH_CONNECTION", "").split()
    if not conn:
        return None
    try:
        addr = ipaddress.ip_address(conn[0].split("%")[0])
    except ValueError:
        refuse(f"cannot read the session's client address from SSH_CONNECTION (got {conn[0]!r})")
    return addr.ipv4_mapped or addr if addr.version == 6 else addr


def current_sources():
    """The rules that admit port 22 now, as (action, protocol, source network, ufw's spelling)."""
    found = []
    for path in RULE_FILES:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            m = TUPLE.match(line)
            if m:
                found.append((m.group(1), m.group(2), ipaddress.ip_network(m.group(3), strict=False), m.group(3)))
    return found


def ufw(*words):
    r = subprocess.run(["ufw", *words], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"platform-ssh-firewall: ufw {' '.join(words)} failed: {r.stderr.strip() or r.stdout.strip()}", file=sys.stderr)
        sys.exit(1)


def main():
    mode, wanted = parse(sys.argv[1:])
    client = session_client()
    if client is not None and not any(client in n for n in wanted):
        refuse(
            f"{FIELD}: does not cover {client}, the address this session comes from: the new rules would cut it off. "
            f"Add {client}/{client.max_prefixlen} to {FIELD}, run `up` from an address it lists, or, when deployments come "
            f"from changing addresses (GitHub-hosted runners), set {MODE_FIELD}: securityGroupOnly (docs/github-actions.md)"
        )
    have = current_sources()
    for net in wanted:  # first add: nobody wanted is ever without a rule
        if not any(action == "allow" and proto == "tcp" and n == net for action, proto, n, _ in have):
            ufw("allow", "proto", "tcp", "from", str(net), "to", "any", "port", "22", "comment", COMMENT)
    for action, proto, net, spelled in have:  # then remove what is no longer wanted
        if action == "limit" or proto != "tcp" or net not in wanted:
            ufw("delete", action, *(["proto", "tcp"] if proto == "tcp" else []), "from", spelled, "to", "any", "port", "22")
    # Inactive (disabled by hand, or from a rescue boot) it filters nothing, the metadata block in
    # after.rules included: the rules are in, so it goes back on (established sessions stay).
    status = subprocess.run(["ufw", "status"], capture_output=True, text=True).stdout
    if "Status: inactive" in status:
        ufw("--force", "enable")
    shown = "anywhere (the security group decides)" if mode == "securityGroupOnly" else ", ".join(map(str, wanted))
    print(f"platform-ssh-firewall: port 22 admits {shown}")


if __name__ == "__main__":
    main()
