// The server's SSH host key, made by the program from a 32-byte seed (a RandomBytes, secret in
// state), so its public half is known before the server exists and every connection can pin it.
// Pure: the same seed gives the same text, so the rendered user data never drifts.
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";

export interface HostKey {
    /** OpenSSH's private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`), for /etc/ssh/ssh_host_ed25519_key. */
    readonly privateKey: string;
    /** `ssh-ed25519 AAAA...`: authorized_keys form, what pulumi-command's `hostKey` parses and known_hosts holds after the host. */
    readonly publicKey: string;
}

/** The DER prefix of an Ed25519 PKCS#8 private key (RFC 8410), before its 32-byte seed. */
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const KEY_TYPE = "ssh-ed25519";

const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
};
/** SSH wire `string`: a length, then the bytes (RFC 4251 section 5). */
const str = (b: Buffer | string) => {
    const bytes = typeof b === "string" ? Buffer.from(b, "utf8") : b;
    return Buffer.concat([u32(bytes.length), bytes]);
};

/** The Ed25519 key of a 32-byte seed (base64), as OpenSSH writes it (PROTOCOL.key, openssh-key-v1). */
export function hostKeyFromSeed(seedBase64: string, comment = "platform-host-key"): HostKey {
    const seed = Buffer.from(seedBase64, "base64");
    if (seed.length !== 32) throw new Error(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
    const pub = createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
    const blob = Buffer.concat([str(KEY_TYPE), str(pub)]);
    // The check integers only detect a wrong passphrase; derived from the seed so the text is stable.
    const check = createHash("sha256").update(seed).digest().subarray(0, 4);
    let section = Buffer.concat([check, check, str(KEY_TYPE), str(pub), str(Buffer.concat([seed, pub])), str(comment)]);
    const pad = (8 - (section.length % 8)) % 8;
    section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
    const body = Buffer.concat([Buffer.from("openssh-key-v1\0"), str("none"), str("none"), str(""), u32(1), str(blob), str(section)]).toString("base64");
    const lines = body.match(/.{1,70}/g)!;
    return {
        privateKey: ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n"),
        publicKey: `${KEY_TYPE} ${blob.toString("base64")}`,
    };
}

/** A known_hosts line for `address` (ssh matches the host as the Docker provider passes it: the bare IP). */
export const knownHostsLine = (address: string, publicKey: string) => `${address} ${publicKey}\n`;
