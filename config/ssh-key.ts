// An OpenSSH public key line checked the way sshd reads it: the base64 blob is the key's wire
// format (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4), whose first string repeats the key type. A
// placeholder that only looks like a key (valid base64 of some text) would let `pulumi up` create
// a server nobody can log in to, and then wait 20 minutes for SSH.
import { createPublicKey } from "node:crypto";

const CURVES: Record<string, { crv: string; coordinate: number }> = {
    nistp256: { crv: "P-256", coordinate: 32 },
    nistp384: { crv: "P-384", coordinate: 48 },
    nistp521: { crv: "P-521", coordinate: 66 },
};
export const SSH_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", ...Object.keys(CURVES).map((c) => `ecdsa-sha2-${c}`)];
const MIN_RSA_BITS = 2048;
export const KEYGEN_HINT = "make a key pair with ssh-keygen -t ed25519 -N '' -f ~/.ssh/mhylle_deploy and set server.sshPublicKey to the line in ~/.ssh/mhylle_deploy.pub";

/** Reads SSH wire strings (uint32 length, bytes) and refuses to read past the end. */
class WireReader {
    private at = 0;
    constructor(private readonly buf: Buffer) {}
    string(): Buffer | undefined {
        if (this.at + 4 > this.buf.length) return undefined;
        const len = this.buf.readUInt32BE(this.at);
        if (this.at + 4 + len > this.buf.length) return undefined;
        const out = this.buf.subarray(this.at + 4, this.at + 4 + len);
        this.at += 4 + len;
        return out;
    }
    get done(): boolean {
        return this.at === this.buf.length;
    }
}

/** Text, zeros or one repeated byte where random key bytes belong: a placeholder, not a key. */
function looksMadeUp(material: Buffer): boolean {
    const printable = material.filter((b) => b >= 0x20 && b <= 0x7e).length;
    return printable >= 0.9 * material.length || new Set(material).size < 8;
}

const b64url = (b: Buffer) => b.toString("base64url");
const unsigned = (mpint: Buffer) => (mpint[0] === 0 ? mpint.subarray(1) : mpint);

function keyMaterial(type: string, r: WireReader): Buffer | string {
    if (type === "ssh-ed25519") {
        const key = r.string();
        if (!key || key.length !== 32) return `an ssh-ed25519 key holds 32 key bytes, this one ${key ? key.length : "none"}`;
        return key;
    }
    if (type === "ssh-rsa") {
        const e = r.string();
        const n = r.string();
        if (!e || !n || !e.length || !n.length) return "an ssh-rsa key holds an exponent and a modulus; this one does not";
        const bits = unsigned(n).length * 8;
        if (bits < MIN_RSA_BITS) return `its RSA modulus has ${bits} bits; use at least ${MIN_RSA_BITS} (or an ed25519 key)`;
        try {
            createPublicKey({ key: { kty: "RSA", n: b64url(unsigned(n)), e: b64url(unsigned(e)) }, format: "jwk" });
        } catch {
            return "its RSA exponent and modulus do not form a public key";
        }
        return unsigned(n);
    }
    const curveName = type.slice("ecdsa-sha2-".length);
    const curve = CURVES[curveName];
    const named = r.string()?.toString("latin1");
    if (named !== curveName) return `an ${type} key names the curve ${curveName}, this one ${JSON.stringify(named ?? "none")}`;
    const point = r.string();
    if (!point || point.length !== 1 + 2 * curve.coordinate || point[0] !== 4) return `its ${curveName} point is not an uncompressed point of ${1 + 2 * curve.coordinate} bytes`;
    const x = point.subarray(1, 1 + curve.coordinate);
    const y = point.subarray(1 + curve.coordinate);
    try {
        createPublicKey({ key: { kty: "EC", crv: curve.crv, x: b64url(x), y: b64url(y) }, format: "jwk" });
    } catch {
        return `its point is not on the ${curveName} curve`;
    }
    return point.subarray(1);
}

/** What is wrong with an OpenSSH public key line, or undefined when sshd would accept it. */
export function sshPublicKeyProblem(line: string): string | undefined {
    const m = /^(\S+) (\S+)(?: [^\n\r]*)?$/.exec(line);
    if (!m) return `must be one OpenSSH public key line: TYPE BASE64 [COMMENT]; ${KEYGEN_HINT}`;
    const [, type, blob] = m;
    if (!SSH_KEY_TYPES.includes(type)) return `has key type ${type}; use one of ${SSH_KEY_TYPES.join(", ")}`;
    const wire = Buffer.from(blob, "base64");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || wire.toString("base64") !== blob) return `its key data is not valid base64; copy the whole line of the .pub file`;
    const r = new WireReader(wire);
    const inner = r.string()?.toString("latin1");
    if (inner !== type) return `says ${type} but its key data is ${inner === undefined ? "not an SSH key" : `of type ${JSON.stringify(inner)}`}; copy the whole line of the .pub file`;
    const material = keyMaterial(type, r);
    if (typeof material === "string") return `is not a well-formed key: ${material}; ${KEYGEN_HINT}`;
    if (looksMadeUp(material)) return `is a placeholder: its key bytes are text or a repeated byte, not a key; ${KEYGEN_HINT}`;
    if (!r.done) return `is not a well-formed key: bytes follow the key data; ${KEYGEN_HINT}`;
    return undefined;
}
