// age keys (https://age-encryption.org/v1): the off-site copies are encrypted to a recipient (the
// public key, in config and on the server) and decrypted only with its identity (the private key,
// the secret `backupIdentity`, never sent anywhere). The recipient is the identity's X25519 public
// key, both Bech32-encoded (BIP 173): checked here, so a recipient no one holds the identity of is
// refused before any backup is written with it.
import { createPrivateKey, createPublicKey } from "node:crypto";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
/** `age1` and 58 Bech32 characters: 32 bytes of X25519 public key and a checksum. */
export const AGE_RECIPIENT = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

function polymod(values: number[]): number {
    const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let chk = 1;
    for (const v of values) {
        const top = chk >>> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i];
    }
    return chk >>> 0;
}
const expand = (hrp: string) => [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];

function convert(data: number[], from: number, to: number, pad: boolean): number[] | undefined {
    let acc = 0, bits = 0;
    const out: number[] = [];
    for (const v of data) {
        acc = (acc << from) | v;
        bits += from;
        while (bits >= to) { bits -= to; out.push((acc >> bits) & ((1 << to) - 1)); }
    }
    if (pad && bits > 0) out.push((acc << (to - bits)) & ((1 << to) - 1));
    else if (!pad && (bits >= from || ((acc << (to - bits)) & ((1 << to) - 1)))) return undefined;
    return out;
}

/** The bytes of a Bech32 string with human-readable part `hrp`, or undefined (bad checksum, part or length). */
function decode(text: string, hrp: string): Buffer | undefined {
    const s = text.toLowerCase();
    if (!s.startsWith(hrp + "1")) return undefined;
    const data = [...s.slice(hrp.length + 1)].map((c) => CHARSET.indexOf(c));
    if (data.length < 6 || data.includes(-1) || polymod([...expand(hrp), ...data]) !== 1) return undefined;
    const bytes = convert(data.slice(0, -6), 5, 8, false);
    return bytes ? Buffer.from(bytes) : undefined;
}

function encode(hrp: string, bytes: Buffer): string {
    const data = convert([...bytes], 8, 5, true)!;
    const mod = polymod([...expand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
    const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
    return hrp + "1" + [...data, ...checksum].map((d) => CHARSET[d]).join("");
}

/** PKCS#8 wrapping of a raw X25519 private key (RFC 8410), which Node imports. */
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");

/**
 * The recipient of an age identity (`AGE-SECRET-KEY-1...`, as `age-keygen` writes it; comment
 * lines are ignored), or undefined when the text holds no valid identity. Never echoes the text.
 */
export function ageRecipientOf(identityText: string): string | undefined {
    const line = identityText.split("\n").map((l) => l.trim()).find((l) => l.startsWith("AGE-SECRET-KEY-1"));
    const secret = line ? decode(line, "age-secret-key-") : undefined;
    if (!secret || secret.length !== 32) return undefined;
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, secret]), format: "der", type: "pkcs8" });
    const publicDer = createPublicKey(key).export({ format: "der", type: "spki" });
    return encode("age", publicDer.subarray(publicDer.length - 32));
}
