// Who may reach SSH (server.adminCidrs): real public addresses, narrow ranges. The security group
// sees the source address of packets that reach the server's public IP, so a documentation
// address, a LAN address behind NAT or loopback never matches anyone: the first `pulumi up` would
// then wait 20 minutes for SSH and fail. A range as wide as the internet lets every scanner try.
import * as net from "node:net";

/** Widest ranges allowed without server.sshOpenToInternet: an ISP's or company's block, no more. */
export const WIDEST_PREFIX = { 4: 16, 6: 48 } as const;
export const OPEN_TO_INTERNET_FIELD = "server.sshOpenToInternet";
const FIX = "put your own public address as a /32 (curl -s https://api.ipify.org prints it)";

export interface Cidr {
    readonly family: 4 | 6;
    readonly first: bigint;
    readonly bits: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function addressValue(addr: string, family: 4 | 6): bigint {
    if (family === 4) return addr.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    // Expand "::" and a trailing dotted IPv4 part into eight 16-bit groups.
    let text = addr;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
        const n = addressValue(v4[1], 4);
        text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.split("::");
    const groups = (s: string | undefined) => (s ? s.split(":") : []);
    const missing = 8 - groups(head).length - groups(tail).length;
    const all = tail === undefined ? groups(head) : [...groups(head), ...Array(missing).fill("0"), ...groups(tail)];
    return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses ADDRESS/BITS; undefined when it is not a CIDR. */
export function parseCidr(value: string): (Cidr & { address: bigint }) | undefined {
    const [addr, bits, ...rest] = value.split("/");
    // No zone (fe80::1%eth0, which net.isIP takes) and no leading zero in the prefix: firewalls,
    // nginx and ufw read neither the same way.
    if (rest.length || bits === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bits) || addr.includes("%")) return undefined;
    const family = net.isIP(addr);
    if (family !== 4 && family !== 6) return undefined;
    const n = Number(bits);
    if (n > BITS[family]) return undefined;
    const address = addressValue(addr, family);
    const hostBits = BigInt(BITS[family] - n);
    return { family, bits: n, address, first: (address >> hostBits) << hostBits };
}

export const isCidr = (value: string) => parseCidr(value) !== undefined;

/** The range a CIDR names, as nginx and firewalls expect it (no bits past the prefix). */
export function formatCidr(c: Cidr): string {
    if (c.family === 4) return `${[24n, 16n, 8n, 0n].map((s) => (c.first >> s) & 0xffn).join(".")}/${c.bits}`;
    const groups = Array.from({ length: 8 }, (_, i) => ((c.first >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    return `${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}/${c.bits}`;
}

/** Ranges no SSH client on the internet comes from, with why. */
const NOWHERE: [string, string][] = [
    ["0.0.0.0/8", "“this network” (RFC 1122), never a source on the internet"],
    ["10.0.0.0/8", "a private network (RFC 1918): the server has no private network, and a LAN address behind NAT reaches it from your public address"],
    ["100.64.0.0/10", "carrier-grade NAT space (RFC 6598): your traffic reaches the server from your provider's public address"],
    ["127.0.0.0/8", "loopback: only the server itself"],
    ["169.254.0.0/16", "link-local: never routed"],
    ["172.16.0.0/12", "a private network (RFC 1918): the server has no private network, and a LAN address behind NAT reaches it from your public address"],
    ["192.0.0.0/24", "reserved for IETF protocol assignments (RFC 6890)"],
    ["192.0.2.0/24", "a documentation range (RFC 5737): an example, nobody's address"],
    ["192.168.0.0/16", "a private network (RFC 1918): the server has no private network, and a LAN address behind NAT reaches it from your public address"],
    ["198.18.0.0/15", "reserved for benchmarking (RFC 2544)"],
    ["198.51.100.0/24", "a documentation range (RFC 5737): an example, nobody's address"],
    ["203.0.113.0/24", "a documentation range (RFC 5737): an example, nobody's address"],
    ["224.0.0.0/3", "multicast and reserved space: never a TCP source"],
    ["::/127", "the unspecified or loopback address"],
    ["2001:db8::/32", "a documentation range (RFC 3849): an example, nobody's address"],
    ["3fff::/20", "a documentation range (RFC 9637): an example, nobody's address"],
    ["fc00::/7", "unique local addresses (RFC 4193): the server has no private network"],
    ["fe80::/10", "link-local: never routed"],
    ["ff00::/8", "multicast: never a TCP source"],
];

export const within = (inner: Cidr, outer: Cidr) => inner.family === outer.family && inner.bits >= outer.bits && inner.first >> BigInt(BITS[outer.family] - outer.bits) === outer.first >> BigInt(BITS[outer.family] - outer.bits);

const MAPPED_V4 = parseCidr("::ffff:0.0.0.0/96")!;

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4 to the firewall; judge it as such. */
function asIPv4(c: Cidr): Cidr {
    if (c.family === 6 && within(c, MAPPED_V4)) return { family: 4, bits: c.bits - 96, first: c.first & 0xffffffffn };
    return c;
}

/** Wider than /16 (IPv4) or /48 (IPv6), IPv4-mapped ranges judged as IPv4: what needs server.sshOpenToInternet. */
function isWide(parsed: Cidr): boolean {
    const c = asIPv4(parsed);
    return c.bits < WIDEST_PREFIX[c.family] || (parsed.family === 6 && parsed.bits < 96 && within(MAPPED_V4, parsed));
}

/** A CIDR that only server.sshOpenToInternet allows (false for anything that is not a CIDR). */
export function opensToInternet(value: string): boolean {
    const parsed = parseCidr(value);
    return parsed !== undefined && isWide(parsed);
}

/** ::ffff:a.b.c.d ranges: a firewall (the security group's, UFW's ip6tables) matches them against IPv6 packets only. */
const MAPPED_PROBLEM = (c: Cidr) => {
    const v4 = asIPv4(c);
    return `is an IPv4-mapped IPv6 range: the security group and the host firewall match it against IPv6 connections only, so no IPv4 client in it gets in; write it as IPv4: ${formatCidr(v4)}`;
};

/** What is wrong with an admin CIDR for SSH, or undefined when it is a narrow public range. */
export function adminCidrProblem(value: string, openToInternet: boolean): string | undefined {
    const parsed = parseCidr(value);
    if (!parsed && value.includes("%")) return `names a network interface (the part after %): a firewall rule has none; write the address alone, e.g. ${value.replace(/%[^/]*/, "")}`;
    if (!parsed) return `must be a CIDR (ADDRESS/BITS); ${FIX}`;
    if (parsed.address !== parsed.first) return `has bits set past its /${parsed.bits} prefix; write ${formatCidr(parsed)} for the range, or the address with /${BITS[parsed.family]}`;
    const c = asIPv4(parsed);
    const wide = isWide(parsed);
    if (wide && !openToInternet)
        return `opens SSH to ${c.bits === 0 || parsed.bits === 0 ? "the whole internet" : `a range wider than /${WIDEST_PREFIX[c.family]}`}; ${FIX}, or set ${OPEN_TO_INTERNET_FIELD}: true if you really mean it`;
    if (wide) return c.family === 4 && parsed.family === 6 ? MAPPED_PROBLEM(parsed) : undefined;
    if (c.family === 4 && parsed.family === 6) return MAPPED_PROBLEM(parsed);
    for (const [range, why] of NOWHERE) {
        const r = parseCidr(range)!;
        if (within(c, r)) return `is in ${range}, ${why}; ${FIX}`;
    }
    return undefined;
}
