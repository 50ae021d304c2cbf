// An image tag's current digest, asked of its registry over the OCI distribution HTTP API from Node:
// no Docker daemon and no provider. (pulumi-docker's getRegistryImage needs a daemon whatever
// disableDockerDaemonCheck says: its Configure pings the local socket; docs/engine-notes.md §3.)
// Each failure says its real cause: the registry unreachable, a login refused, the tag not there.
import { createHash } from "node:crypto";
import { registryOf } from "../config/naming";

/** A login for one registry: the user name and the token (the secret's value). */
export interface LookupCredential {
    readonly server: string;
    readonly username: string;
    readonly token: string;
}

/** Why a digest could not be read: its cause, for the one line preflight prints per image. */
export type LookupFailure = "unreachable" | "denied" | "not-found" | "failed";

export class DigestLookupError extends Error {
    constructor(readonly failure: LookupFailure, message: string) {
        super(message);
        this.name = "DigestLookupError";
    }
}

export interface LookupOptions {
    /** The registry's base URL (no trailing slash); by default https://<host>, Docker Hub's API host for docker.io. */
    readonly endpoint?: (registry: string) => string;
    /** Per HTTP request; a safety bound, not a measure. */
    readonly timeoutMs?: number;
}

/** What an image reference asks for: the registry, the repository path on it and the tag. */
export interface ImageReference {
    readonly registry: string;
    readonly repository: string;
    readonly tag: string;
}

const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** nginx:1.30 is docker.io's library/nginx, tag 1.30; ghcr.io/mhylle/app:1 is ghcr.io's mhylle/app. */
export function parseImage(image: string): ImageReference {
    const name = image.split("@")[0];
    const registry = registryOf(name);
    const rest = name.startsWith(`${registry}/`) ? name.slice(registry.length + 1) : name;
    const slash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    const repo = colon > slash ? rest.slice(0, colon) : rest;
    const tag = colon > slash ? rest.slice(colon + 1) : "latest";
    return { registry, repository: DOCKER_HUB.has(registry) && !repo.includes("/") ? `library/${repo}` : repo, tag };
}

/** The same registry, however it is written (docker.io, index.docker.io). */
export const sameRegistry = (a: string, b: string) => a === b || (DOCKER_HUB.has(a) && DOCKER_HUB.has(b));

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/** Plain HTTP only to this machine (as Docker allows for 127.0.0.0/8); everything else over TLS. */
export function defaultEndpoint(registry: string): string {
    if (DOCKER_HUB.has(registry)) return "https://registry-1.docker.io";
    return `${LOOPBACK.test(registry) ? "http" : "https"}://${registry}`;
}

/** Refuses a URL that would send a token or a credential in clear text off this machine. */
function checkedUrl(url: string, what: string): URL {
    const u = new URL(url);
    if (u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK.test(u.host))) return u;
    throw new DigestLookupError("failed", `${what} ${url} is neither https:// nor on this machine; refusing to send a login there`);
}

/** Manifest lists and indexes first: the digest Docker pulls by, for every platform. */
const ACCEPT = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
].join(", ");

/** `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"` as a map (with `scheme`). */
export function parseChallenge(header: string): Record<string, string> {
    const scheme = header.trim().split(/\s+/)[0] ?? "";
    const params: Record<string, string> = { scheme: scheme.toLowerCase() };
    for (const m of header.slice(scheme.length).matchAll(/([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) params[m[1].toLowerCase()] = m[2] ?? m[3];
    return params;
}

async function request(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
    try {
        return await fetch(url, { ...init, redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const said = cause?.message || (err as Error).message;
        const why = (err as Error).name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : cause?.code && !said.includes(cause.code) ? `${cause.code} ${said}` : said;
        throw new DigestLookupError("unreachable", `${url.origin} cannot be reached: ${why}`);
    }
}

const basic = (c: LookupCredential) => `Basic ${Buffer.from(`${c.username}:${c.token}`).toString("base64")}`;

/** The token flow: the realm from the challenge, asked anonymously or with the credential. */
async function bearerToken(challenge: Record<string, string>, ref: ImageReference, credential: LookupCredential | undefined, timeoutMs: number): Promise<string> {
    if (!challenge.realm) throw new DigestLookupError("failed", "the registry asked for a Bearer token without naming its realm");
    const url = checkedUrl(challenge.realm, "the token realm");
    if (challenge.service) url.searchParams.set("service", challenge.service);
    url.searchParams.set("scope", challenge.scope || `repository:${ref.repository}:pull`);
    const res = await request(url, { headers: credential ? { authorization: basic(credential) } : {} }, timeoutMs);
    if (res.status === 401 || res.status === 403)
        throw new DigestLookupError("denied", `its token service ${url.origin}${url.pathname} refused ${credential ? `the login of ${credential.username}` : "an anonymous token"} (${res.status})`);
    if (!res.ok) throw new DigestLookupError("failed", `its token service ${url.origin}${url.pathname} answered ${res.status} ${res.statusText}`);
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token || body.access_token;
    if (!token) throw new DigestLookupError("failed", `its token service ${url.origin}${url.pathname} answered without a token`);
    return token;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The digest of a manifest answer: its Docker-Content-Digest, or the SHA-256 of its body (GET). */
async function digestOf(res: Response, get: () => Promise<Response>): Promise<string> {
    const header = res.headers.get("docker-content-digest") ?? "";
    if (DIGEST.test(header)) return header;
    const full = res.body === null ? await get() : res;
    const body = Buffer.from(await full.arrayBuffer());
    if (!full.ok || !body.length) throw new DigestLookupError("failed", "the manifest answer carries neither a Docker-Content-Digest nor a body");
    return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

/**
 * The digest the registry serves for the image's tag now (sha256:...). HEAD first (Docker Hub
 * counts GETs against its pull limit); on 401 the challenge's token flow, then again with the token.
 * Throws DigestLookupError naming the cause.
 */
export async function lookUpDigest(image: string, credential: LookupCredential | undefined, options: LookupOptions = {}): Promise<string> {
    const ref = parseImage(image);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const base = (options.endpoint ?? defaultEndpoint)(ref.registry).replace(/\/+$/, "");
    const url = checkedUrl(`${base}/v2/${ref.repository}/manifests/${encodeURIComponent(ref.tag)}`, "the registry");
    const ask = (method: string, authorization?: string) => request(url, { method, headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) } }, timeoutMs);
    let authorization: string | undefined;
    let res = await ask("HEAD");
    if (res.status === 401) {
        const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
        if (challenge.scheme === "bearer") authorization = `Bearer ${await bearerToken(challenge, ref, credential, timeoutMs)}`;
        else if (challenge.scheme === "basic" && credential) authorization = basic(credential);
        if (authorization) res = await ask("HEAD", authorization);
    }
    if (res.status === 401 || res.status === 403)
        throw new DigestLookupError("denied", `${ref.registry} refused to show ${ref.repository}:${ref.tag} ${credential ? `to ${credential.username}` : "without a login"} (${res.status})`);
    if (res.status === 404) throw new DigestLookupError("not-found", `${ref.registry} has no tag ${ref.tag} of ${ref.repository} (404)`);
    if (!res.ok) throw new DigestLookupError("failed", `${ref.registry} answered ${res.status} ${res.statusText} for ${ref.repository}:${ref.tag}`);
    return digestOf(res, () => ask("GET", authorization));
}
