// Where the status job may send an alert (the webhook URL, the SMTP relay): a public host over
// TLS, never this server's own services, its cloud's metadata endpoint or a private network (a
// blind request forger otherwise). IP literals are judged as the WHATWG URL parser reads them, so
// decimal (2852039166), octal (0251.0376.0251.0376), hex and short forms, and IPv6 forms that
// carry an IPv4 address (mapped, NAT64, 6to4, compatible), are judged as the address they name.
import * as net from "node:net";
import { parseCidr } from "./admin-cidrs";

const NOT_PUBLIC: [string, string][] = [
    ["0.0.0.0/8", "“this network”"],
    ["10.0.0.0/8", "a private network"],
    ["100.64.0.0/10", "carrier-grade NAT space"],
    ["127.0.0.0/8", "loopback (this server)"],
    ["169.254.0.0/16", "link-local (the cloud's metadata service, 169.254.169.254)"],
    ["172.16.0.0/12", "a private network (Docker's bridge networks)"],
    ["192.0.0.0/24", "IETF protocol assignments"],
    ["192.168.0.0/16", "a private network (Docker's bridge networks)"],
    ["198.18.0.0/15", "benchmarking space"],
    ["224.0.0.0/3", "multicast or reserved space"],
    ["::/127", "the unspecified or loopback address"],
    ["fc00::/7", "unique local addresses (private)"],
    ["fe80::/10", "link-local"],
    ["ff00::/8", "multicast"],
];
/** IPv6 ranges whose low 32 bits are an IPv4 address (mapped, NAT64, the old "compatible"): judged as that address. */
const CARRIES_V4 = ["::ffff:0:0/96", "64:ff9b::/96", "::/96"];

const inRange = (v: bigint, family: 4 | 6, cidr: string) => {
    const r = parseCidr(cidr)!;
    const shift = BigInt((family === 4 ? 32 : 128) - r.bits);
    return r.family === family && v >> shift === r.first >> shift;
};
const v4Text = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => (n >> s) & 0xffn).join(".");

/** Why an IP address (v4 or v6 text) is not a public one, or undefined when it is. */
export function nonPublicAddress(ip: string): string | undefined {
    const family = net.isIP(ip);
    if (family !== 4 && family !== 6) return undefined;
    const v = parseCidr(`${ip}/${family === 4 ? 32 : 128}`)!.address;
    if (family === 6) {
        // ::ffff:a9fe:a9fe and 2002:a9fe:a9fe:: reach 169.254.169.254 as surely as the dotted form.
        const inner = CARRIES_V4.some((c) => inRange(v, 6, c)) && v > 1n ? v & 0xffffffffn : inRange(v, 6, "2002::/16") ? (v >> 80n) & 0xffffffffn : undefined;
        const why = inner === undefined ? undefined : nonPublicAddress(v4Text(inner));
        if (why) return `${ip} is IPv4 ${why}`;
    }
    for (const [range, why] of NOT_PUBLIC) if (inRange(v, family, range)) return `${ip} is in ${range}, ${why}`;
    return undefined;
}

/** The host as a URL parser reads it: numeric forms become the dotted address, IPv6 loses its brackets. */
export function canonicalHost(host: string): string | undefined {
    try {
        const h = new URL(`https://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}/`).hostname;
        return h.startsWith("[") ? h.slice(1, -1) : h;
    } catch {
        return undefined;
    }
}

/** Names that are this machine or a cloud's internal resolver by definition. */
const LOCAL_NAME = /(^|\.)(localhost|localdomain|internal|local|home\.arpa)\.?$/i;

/** What is wrong with a host alerts are sent to (a name or an IP literal), or undefined. */
export function outboundHostProblem(host: string): string | undefined {
    if (/[\u0000-\u0020\u007f-\u009f]/.test(host)) return "holds a space or a control character";
    const canonical = canonicalHost(host);
    if (!canonical) return "is not a host name or an IP address";
    if (LOCAL_NAME.test(canonical)) return `names this machine or an internal network (${canonical}); give the public name of the service`;
    const why = nonPublicAddress(canonical);
    if (why) return `is not a public address: ${why}; the status job never sends to this server, a private network or the metadata service`;
    return undefined;
}

/** What is wrong with a webhook URL (a secret: the message never repeats it), or undefined. */
export function webhookUrlProblem(url: string): string | undefined {
    // The URL parser silently drops tabs and newlines: look before it does.
    if (/[\u0000-\u0020\u007f-\u009f]/.test(url)) return "holds a space or a control character";
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return "is not a URL";
    }
    if (parsed.protocol !== "https:") return "must be an https:// URL without spaces (the token in it never travels in clear text)";
    if (parsed.username || parsed.password || /^https:\/\/[^/?#]*@/i.test(url)) return "holds a user name or password before the host (user:pass@); put the token where the service documents it (its path or a query)";
    const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
    const hostProblem = outboundHostProblem(host);
    return hostProblem && `its host ${hostProblem}`;
}
