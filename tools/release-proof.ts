// Who sent a release request. repository_dispatch tells the platform nothing it can trust about the
// sender: any token with write access to this repository sends one, and a token is a person's, not
// an app repository's. So the request carries a GitHub Actions OIDC token (a JWT GitHub signs for
// one workflow run), requested by the app's workflow with an audience naming this exact release.
// Its `repository` and `repository_id` claims must be the app's `apps[].repository` and
// `apps[].repositoryId`: an app repository can release its own app only (and not whoever takes
// its name after a rename), and a token seen in a log can replay only the release it was made for.
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Problem } from "../config/problem";

export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";
export const GITHUB_OIDC_JWKS_URL = `${GITHUB_OIDC_ISSUER}/.well-known/jwks`;
/** Clock difference tolerated between GitHub and the runner, in seconds. */
const LEEWAY = 60;

export interface Jwks {
    readonly keys: readonly (JsonWebKey & { kid?: string })[];
}

/** The audience the app's workflow asks GitHub for: this platform, this app, service and digest. */
export const releaseAudience = (platform: string, app: string, service: string, digest: string) => `platform-release:${platform}:${app}:${service}:${digest}`;

export interface ExpectedSender {
    /** `owner/name` of the repository allowed to release the app (apps[].repository). */
    readonly repository: string | undefined;
    /** GitHub's numeric id of it (apps[].repositoryId): unlike a name, never another repository's. */
    readonly repositoryId: string | undefined;
    /** The branch of it whose runs may (apps[].releaseBranch). */
    readonly branch: string;
    readonly audience: string;
    /** Where the app is in the stack file, for the problem line. */
    readonly appField: string;
}

const b64url = (s: string) => Buffer.from(s, "base64url");
const json = (s: string): unknown => JSON.parse(b64url(s).toString("utf8"));
const HIDDEN = "[token]";

/** Every reason the proof does not show that `expected.repository` asked for this release. */
export function releaseProofProblems(proof: unknown, expected: ExpectedSender, jwks: Jwks, now = Math.floor(Date.now() / 1000)): Problem[] {
    if (!expected.repository) {
        return [{ field: `${expected.appField}.repository`, problem: "is not set, so no repository may release this app: set it to the app's GitHub repository (owner/name) in the stack file", got: undefined }];
    }
    if (!expected.repositoryId) {
        return [{ field: `${expected.appField}.repositoryId`, problem: `is not set: a repository's name passes to whoever takes it after a rename or deletion, its id never does. Set it to GitHub's id of ${expected.repository} (gh api repos/${expected.repository} --jq .id)`, got: undefined }];
    }
    const bad = (problem: string, got: unknown = HIDDEN): Problem[] => [{ field: "proof", problem, got }];
    if (typeof proof !== "string" || proof === "") return bad("is required: a GitHub Actions OIDC token from the app's release workflow (templates/app/.github/workflows/release.yml)", proof === undefined ? undefined : HIDDEN);
    const parts = proof.split(".");
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return bad("is not a JWT (three base64url parts)");
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
        header = json(parts[0]) as Record<string, unknown>;
        claims = json(parts[1]) as Record<string, unknown>;
    } catch {
        return bad("is not a JWT (its header or claims are not JSON)");
    }
    // Only GitHub's algorithm: never `none`, never an HMAC keyed by a public key.
    if (header.alg !== "RS256") return bad("must be signed RS256 as GitHub signs its OIDC tokens", header.alg);
    const jwk = jwks.keys.find((k) => k.kid === header.kid && k.kty === "RSA");
    if (!jwk) return bad("is signed by a key GitHub does not publish", header.kid);
    const signed = verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), createPublicKey({ key: jwk, format: "jwk" }), b64url(parts[2]));
    if (!signed) return bad("has a signature that does not verify against GitHub's keys");

    const problems: Problem[] = [];
    if (claims.iss !== GITHUB_OIDC_ISSUER) problems.push({ field: "proof", problem: `must be issued by ${GITHUB_OIDC_ISSUER}`, got: claims.iss });
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(expected.audience)) problems.push({ field: "proof", problem: `was made for another request: its audience must be ${expected.audience}`, got: claims.aud });
    if (typeof claims.exp !== "number" || claims.exp + LEEWAY < now) problems.push({ field: "proof", problem: "has expired: send the request again from the app's workflow", got: claims.exp });
    if (typeof claims.nbf === "number" && claims.nbf - LEEWAY > now) problems.push({ field: "proof", problem: "is not valid yet", got: claims.nbf });
    const repository = typeof claims.repository === "string" ? claims.repository : undefined;
    // GitHub compares owner and repository names without case.
    if (repository?.toLowerCase() !== expected.repository.toLowerCase()) {
        problems.push({ field: "proof", problem: `comes from a workflow of another repository: only ${expected.repository} (${expected.appField}.repository) may release this app`, got: claims.repository });
    }
    // GitHub sends the id as a string of digits.
    if (String(claims.repository_id) !== expected.repositoryId) {
        problems.push({ field: "proof", problem: `comes from another repository than the one ${expected.appField}.repositoryId names (${expected.repositoryId}): a repository now holding the name ${expected.repository} is not the app's`, got: claims.repository_id });
    }
    // Anyone who can push a branch can run a workflow on it: only the release branch's runs count.
    if (claims.ref !== `refs/heads/${expected.branch}`) {
        problems.push({ field: "proof", problem: `comes from a run on another ref: only runs on the branch ${expected.branch} (${expected.appField}.releaseBranch) may release this app`, got: claims.ref });
    }
    return problems;
}

/** GitHub's signing keys: from RELEASE_OIDC_JWKS (a file, for tests and offline checks) or from GitHub. */
export async function loadJwks(file = process.env.RELEASE_OIDC_JWKS): Promise<Jwks> {
    let text: string;
    if (file) text = readFileSync(file, "utf8");
    else {
        const res = await fetch(GITHUB_OIDC_JWKS_URL, { signal: AbortSignal.timeout(15_000) });
        if (!res.ok) throw new Error(`GitHub's OIDC keys at ${GITHUB_OIDC_JWKS_URL} answered ${res.status}`);
        text = await res.text();
    }
    const jwks = JSON.parse(text) as Jwks;
    if (!Array.isArray(jwks?.keys)) throw new Error(`no keys in the JWKS from ${file ?? GITHUB_OIDC_JWKS_URL}`);
    return jwks;
}
