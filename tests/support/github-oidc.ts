// A stand-in for GitHub's OIDC issuer: an RSA key pair published as a JWKS file (what
// RELEASE_OIDC_JWKS points the platform at) and tokens signed as GitHub signs them (RS256).
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GITHUB_OIDC_ISSUER } from "../../tools/release-proof";

export interface Issuer {
    /** Path of the JWKS file holding the public key. */
    readonly jwksFile: string;
    /** A token with these claims (issuer, lifetime, a run on main and kid filled in unless given). */
    token(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
}

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

export function signJwt(key: KeyObject, header: Record<string, unknown>, claims: Record<string, unknown>): string {
    const body = `${b64(header)}.${b64(claims)}`;
    return `${body}.${sign("RSA-SHA256", Buffer.from(body), key).toString("base64url")}`;
}

export function makeIssuer(kid = "test-key-1"): Issuer {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwksFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "oidc-")), "jwks.json");
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] }));
    const now = Math.floor(Date.now() / 1000);
    return {
        jwksFile,
        token: (claims, header = {}) => signJwt(privateKey, { alg: "RS256", typ: "JWT", kid, ...header }, { iss: GITHUB_OIDC_ISSUER, iat: now, nbf: now, exp: now + 300, ref: "refs/heads/main", ...claims }),
    };
}
