// Cases of least privilege (no root in app containers or as the deploy user), SSH access (who may
// reach it, with which key) and the PostgreSQL major version.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { accept, Case, local, refuse, scaleway, withService } from "./case";
import { TEST_ADMIN_CIDR, TEST_DEPLOY_PUBLIC_KEY } from "../support/prod-stack";

const user = (service: "frontend" | "backend", value: string) => local({ apps: [withService("app1", service, { user: value })] });
const runArgs = (release: string) => release.split("\n").find((l) => l.startsWith("run_args=("))!;

const containers: Case[] = [
    refuse("privilege", 'user "0"', user("frontend", "0"), "apps[0].frontend.user", /runs the container as root \(uid 0\)/),
    refuse("privilege", 'user "0:0"', user("backend", "0:0"), "apps[0].backend.user", /uid 0/),
    refuse("privilege", 'user "0:1000"', user("backend", "0:1000"), "apps[0].backend.user", /uid 0/),
    refuse("privilege", 'user "00" (uid 0 written twice)', user("backend", "00"), "apps[0].backend.user", /uid 0/),
    refuse("privilege", 'user "000:10001"', user("frontend", "000:10001"), "apps[0].frontend.user", /uid 0/),
    refuse("privilege", "user root by name", user("backend", "root"), "apps[0].backend.user", /numeric uid/),
    refuse("privilege", "a uid Linux does not have", user("backend", "4294967295"), "apps[0].backend.user", /above 4294967294/),
    accept("privilege", "a non-root uid in group 0", user("backend", "1000:0"), (r) => assert.match(runArgs(r.script("app1-backend-release")), / '--user=1000:0' /)),
    accept("privilege", "the image's own user", user("frontend", ""), (r) => assert.doesNotMatch(runArgs(r.script("app1-frontend-release")), /--user/)),
    refuse("privilege", "the deploy user root", scaleway({ server: { deployUser: "root" } }), "server.deployUser", /is never root/),
    refuse("privilege", "the image's own ubuntu account", scaleway({ server: { deployUser: "ubuntu" } }), "server.deployUser", /already has/),
    refuse("privilege", "a system account as deploy user", scaleway({ server: { deployUser: "daemon" } }), "server.deployUser", /already has/),
    refuse("privilege", "a deploy user with upper case", scaleway({ server: { deployUser: "Deploy" } }), "server.deployUser", /Unix user name/),
];

const cidrs = (...adminCidrs: string[]) => scaleway({ server: { adminCidrs } });
const cidr = (name: string, value: string, says: RegExp) => refuse("ssh", name, cidrs(value), "server.adminCidrs[0]", says);
/** The firewall's port-22 sources as rendered. */
const sshSources = (r: { inputs(n: string): Record<string, any> }) =>
    (r.inputs("server-firewall").inboundRules as { port: number; ipRange: string }[]).filter((x) => x.port === 22).map((x) => x.ipRange);

const addresses: Case[] = [
    cidr("the whole IPv4 internet", "0.0.0.0/0", /opens SSH to the whole internet.*server\.sshOpenToInternet: true/),
    cidr("the whole IPv6 internet", "::/0", /the whole internet/),
    cidr("an IPv4 range wider than /16", "8.0.0.0/15", /wider than \/16/),
    cidr("an IPv6 range wider than /48", "2a01:cb00::/32", /wider than \/48/),
    cidr("every IPv4 address written as IPv6", "::ffff:0.0.0.0/96", /the whole internet/),
    cidr("a documentation address (203.0.113.0/24)", "203.0.113.10/32", /documentation range \(RFC 5737\)/),
    cidr("a documentation address (198.51.100.0/24)", "198.51.100.7/32", /documentation range/),
    cidr("a documentation address (192.0.2.0/24)", "192.0.2.1/32", /documentation range/),
    cidr("an IPv6 documentation address", "2001:db8::1/128", /documentation range \(RFC 3849\)/),
    cidr("a LAN address behind NAT", "192.168.1.23/32", /private network \(RFC 1918\)/),
    cidr("a 10/8 network", "10.0.0.0/16", /private network/),
    cidr("loopback", "127.0.0.1/32", /loopback/),
    cidr("an IPv6 link-local address", "fe80::1/128", /link-local/),
    cidr("an IPv6 unique local address", "fd12:3456::1/128", /unique local/),
    cidr("carrier-grade NAT space", "100.64.1.1/32", /carrier-grade NAT/),
    cidr("bits set past the prefix", "51.15.0.10/16", /write 51\.15\.0\.0\/16/),
    cidr("not a CIDR", "my-laptop", /must be a CIDR/),
    cidr("an address without a prefix", "51.15.0.10", /must be a CIDR/),
    accept("ssh", "the whole internet with the documented opt-in", scaleway({ server: { adminCidrs: ["0.0.0.0/0", "::/0"], sshOpenToInternet: true } }), (r) =>
        assert.deepEqual(sshSources(r), ["0.0.0.0/0", "::/0"]),
    ),
    accept("ssh", "a company /16 and an IPv6 /48", cidrs("51.15.0.0/16", "2a01:e0a:1::/48"), (r) => assert.deepEqual(sshSources(r), ["51.15.0.0/16", "2a01:e0a:1::/48"])),
];

const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const wire = (...parts: Buffer[]) => Buffer.concat(parts.flatMap((p) => [u32(p.length), p])).toString("base64");
const mpint = (b: Buffer) => (b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
const jwkPart = (v: string | undefined) => Buffer.from(v!, "base64url");
function rsaKey(bits: number): string {
    const jwk = generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ format: "jwk" });
    return `ssh-rsa ${wire(Buffer.from("ssh-rsa"), mpint(jwkPart(jwk.e)), mpint(jwkPart(jwk.n)))} battery-rsa${bits}`;
}
function ecdsaKey(tamper = false): string {
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
    const point = Buffer.concat([Buffer.from([4]), jwkPart(jwk.x), jwkPart(jwk.y)]);
    if (tamper) point[point.length - 1] ^= 1;
    return `ecdsa-sha2-nistp256 ${wire(Buffer.from("ecdsa-sha2-nistp256"), Buffer.from("nistp256"), point)} battery-ecdsa`;
}
const ed = (key: Buffer, extra: Buffer[] = []) => `ssh-ed25519 ${wire(Buffer.from("ssh-ed25519"), key, ...extra)} battery`;
const realBlob = TEST_DEPLOY_PUBLIC_KEY.split(" ")[1];
const key = (name: string, value: string, says: RegExp) => refuse("ssh", name, scaleway({ server: { sshPublicKey: value } }), "server.sshPublicKey", says);

const keys: Case[] = [
    key("the placeholder Pulumi.prod.yaml shipped", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0dHBzOi8vbWh5bGxlLmNvbS9kZXBsb3kta2V5LXBsYWNlaG9sZGVy deploy@mhylle.com", /is a placeholder/),
    key("32 bytes of text as an ed25519 key", ed(Buffer.from("this-is-not-a-real-key-at-all-!!")), /is a placeholder/),
    key("32 zero bytes", ed(Buffer.alloc(32)), /is a placeholder/),
    key("an ed25519 key one byte short", ed(Buffer.from(Buffer.from(realBlob, "base64").subarray(19, 50))), /holds 32 key bytes, this one 31/),
    key("bytes after the key", ed(Buffer.from(realBlob, "base64").subarray(19), [Buffer.from("more")]), /bytes follow the key data/),
    key("an ed25519 key labelled ssh-rsa", `ssh-rsa ${realBlob} x`, /says ssh-rsa but its key data is of type "ssh-ed25519"/),
    key("an RSA key of 1024 bits", rsaKey(1024), /1024 bits; use at least 2048/),
    key("an ECDSA point off its curve", ecdsaKey(true), /not on the nistp256 curve/),
    key("broken base64", `ssh-ed25519 ${realBlob.slice(0, -3)}!!! x`, /not valid base64/),
    key("a second key on a new line", `${TEST_DEPLOY_PUBLIC_KEY}\n${TEST_DEPLOY_PUBLIC_KEY}`, /one OpenSSH public key line/),
    key("a DSA key", `ssh-dss ${realBlob}`, /has key type ssh-dss/),
    accept("ssh", "an RSA key of 3072 bits", scaleway({ server: { sshPublicKey: rsaKey(3072) } })),
    accept("ssh", "an ECDSA P-256 key", scaleway({ server: { sshPublicKey: ecdsaKey() } })),
    accept("ssh", "the test ed25519 key with the admin address", scaleway(), (r) => {
        assert.equal(r.inputs("server-ssh-key").publicKey, TEST_DEPLOY_PUBLIC_KEY);
        assert.deepEqual(sshSources(r), [TEST_ADMIN_CIDR]);
    }),
];

const DIGEST = `sha256:${"ab".repeat(32)}`;
const postgres = (image: string) => local({ images: { postgres: image } });
const RUNBOOK = /upgrading PostgreSQL's major version needs a dump and restore: see docs\/runbooks\/upgrade-postgres\.md \(got /;
const major: Case[] = [
    refuse("postgresMajor", "postgres:16", postgres("postgres:16"), "images.postgres", RUNBOOK),
    refuse("postgresMajor", "a bare digest that does not say its version", postgres(`postgres@${DIGEST}`), "images.postgres", RUNBOOK),
    refuse("postgresMajor", "postgres:alpine", postgres("postgres:alpine"), "images.postgres", RUNBOOK),
    refuse("postgresMajor", "postgres:150", postgres("postgres:150"), "images.postgres", RUNBOOK),
    refuse("postgresMajor", "postgres:16.2-bookworm", postgres("postgres:16.2-bookworm"), "images.postgres", RUNBOOK),
    refuse("postgresMajor", "postgres:latest", postgres("postgres:latest"), "images.postgres", /not :latest/),
    ...["postgres:15.6", "postgres:15-alpine", "postgres:15.8-bookworm", `postgres:15@${DIGEST}`, "local/postgres:15"].map((image) =>
        // The image PostgreSQL runs is the one its RemoteImage pulls (pinned by digest when the registry is asked).
        accept("postgresMajor", image, postgres(image), (r) => assert.match(String(r.inputs("mhylle-postgres-image").name), new RegExp(`^${image.split("@")[0].replace(/[.]/g, "\\.")}(@sha256:[0-9a-f]{64})?$`))),
    ),
];

export const PRIVILEGE_CASES: Case[] = [...containers, ...addresses, ...keys, ...major];
