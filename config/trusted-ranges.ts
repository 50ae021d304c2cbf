// local.loadBalancerAddresses: the peers whose PROXY protocol header nginx believes about who the
// client is (set_real_ip_from). They stand in for the load balancer's private addresses, so only
// loopback and private ranges make sense, and narrow ones: `0.0.0.0/0` would let any client that
// reaches the listener name any address, past every address-based rule (the status page's, the logs').
import { Cidr, formatCidr, parseCidr, WIDEST_PREFIX, within } from "./admin-cidrs";

/** Where a load balancer's private address (or this machine's stand-in for one) can be. */
const PRIVATE_RANGES = ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "::1/128", "fc00::/7"].map((r) => parseCidr(r)!);
const FIX = "list the load balancer's own private addresses, or a loopback or private range no wider than /16 (IPv4) or /48 (IPv6), such as 127.0.0.1 or 10.213.0.0/16";

/** What is wrong with a trusted PROXY-protocol peer, or undefined. */
export function trustedRangeProblem(value: string): string | undefined {
    const c: Cidr | undefined = parseCidr(value.includes("/") ? value : `${value}/${value.includes(":") ? 128 : 32}`);
    if (!c) return `must be an IP address or a CIDR range; ${FIX}`;
    if (c.bits < WIDEST_PREFIX[c.family]) return `trusts ${c.bits === 0 ? "every address" : `a range wider than /${WIDEST_PREFIX[c.family]}`} to say who the client is: anyone there could claim any address; ${FIX}`;
    if (!PRIVATE_RANGES.some((r) => within(c, r))) return `is outside loopback and private ranges (${formatCidr(c)}), where no load balancer's private address is; ${FIX}`;
    return undefined;
}
