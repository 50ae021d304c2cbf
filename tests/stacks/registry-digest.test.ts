// Image digests are read from the registry's HTTP API (OCI distribution: manifests by tag, the
// WWW-Authenticate Bearer token flow), with no Docker daemon: DOCKER_HOST points at a socket that
// does not exist for this whole file. The registry is a fake one on 127.0.0.1, written here, that
// answers as Docker Hub and GHCR do: 401 with a Bearer challenge, tokens from its realm (anonymous
// for public repositories, the login's Basic credential for private ones), manifests only for an
// Accept that lists the OCI index, the digest in Docker-Content-Digest. Each failure names its cause.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { pinImages, ImageToPin } from "../../stacks/preflight";
import { ConfigError } from "../../config/problem";
import { DigestLookupError, LookupCredential, defaultEndpoint, lookUpDigest, parseImage } from "../../stacks/registry-digest";

process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";

const INDEX = "application/vnd.oci.image.index.v1+json";
const manifest = (repo: string, tag: string) => JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [], annotations: { repo, tag } });
const digestOf = (body: string) => `sha256:${createHash("sha256").update(body).digest("hex")}`;

/** Repositories and their tags; private ones need the login mhylle:ghp_secret. */
const REPOS: Record<string, { tags: string[]; private?: boolean; noDigestHeader?: boolean; realm?: string }> = {
    "library/nginx": { tags: ["1.30"] },
    "mhylle/private-app": { tags: ["1.0.0"], private: true },
    "mhylle/plain-head": { tags: ["2"], noDigestHeader: true },
    "mhylle/clear-realm": { tags: ["1"], realm: "http://registry.example.com/token" },
};
const LOGIN = `Basic ${Buffer.from("mhylle:ghp_secret").toString("base64")}`;

let server: http.Server;
let host = "";
let closedHost = "";
const seen: string[] = [];

function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, `http://${host}`);
    seen.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? "-"}`);
    if (url.pathname === "/token") {
        const repo = /^repository:(.+):pull$/.exec(url.searchParams.get("scope") ?? "")?.[1] ?? "";
        if (url.searchParams.get("service") !== "fake-registry") return void res.writeHead(400).end();
        if (req.headers.authorization && req.headers.authorization !== LOGIN) return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        const grant = REPOS[repo]?.private && req.headers.authorization !== LOGIN ? "none" : repo;
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `tok:${grant}` }));
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, repo, tag] = m;
    const r = REPOS[repo];
    if (req.headers.authorization !== `Bearer tok:${repo}`) {
        const realm = r?.realm ?? `http://${host}/token`;
        return void res.writeHead(401, { "www-authenticate": `Bearer realm="${realm}",service="fake-registry",scope="repository:${repo}:pull"` }).end();
    }
    // As registries do for an image that only has an index: unknown unless the client accepts one.
    if (!r?.tags.includes(tag) || !(req.headers.accept ?? "").includes(INDEX)) return void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    const body = manifest(repo, tag);
    res.writeHead(200, { "content-type": INDEX, ...(r.noDigestHeader ? {} : { "docker-content-digest": digestOf(body) }) });
    res.end(req.method === "GET" ? body : undefined);
}

before(async () => {
    server = http.createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port that was just free and is closed again: nothing listens there.
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    closedHost = `127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise((resolve) => gone.close(resolve));
});
after(() => {
    server.closeAllConnections();
    server.close();
});

/** Docker Hub's names (nginx:1.30) sent to the fake; other registries by their own host (loopback: plain HTTP). */
const viaFake = (image: string, c: LookupCredential | undefined) => lookUpDigest(image, c, { endpoint: (r) => (r === "docker.io" ? `http://${host}` : defaultEndpoint(r)) });
const login = (): LookupCredential[] => [{ server: host, username: "mhylle", token: "ghp_secret" }];
const img = (field: string, image: string): ImageToPin => ({ field, who: field.replace(/\.image$/, ""), image });

async function refusal(images: ImageToPin[], credentials: LookupCredential[]): Promise<{ field: string; problem: string }[]> {
    const err = await pinImages(images, credentials, viaFake).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConfigError, `refused with ConfigError, got ${err}`);
    return err.problems.map((p) => ({ field: p.field, problem: p.problem }));
}

test("image names: Docker Hub's library/ prefix and API host, GHCR and a registry with a port", () => {
    assert.deepEqual(parseImage("nginx:1.30"), { registry: "docker.io", repository: "library/nginx", tag: "1.30" });
    assert.deepEqual(parseImage("docker.io/nginx"), { registry: "docker.io", repository: "library/nginx", tag: "latest" });
    assert.deepEqual(parseImage("prom/node-exporter:v1"), { registry: "docker.io", repository: "prom/node-exporter", tag: "v1" });
    assert.deepEqual(parseImage("ghcr.io/mhylle/app1-backend:1.0.0"), { registry: "ghcr.io", repository: "mhylle/app1-backend", tag: "1.0.0" });
    assert.deepEqual(parseImage("127.0.0.1:5000/a/b"), { registry: "127.0.0.1:5000", repository: "a/b", tag: "latest" });
    assert.equal(defaultEndpoint("docker.io"), "https://registry-1.docker.io");
    assert.equal(defaultEndpoint("ghcr.io"), "https://ghcr.io");
    assert.equal(defaultEndpoint("127.0.0.1:5000"), "http://127.0.0.1:5000");
});

test("a public Docker Hub image and a private one with its login are pinned, with no Docker daemon", async () => {
    seen.length = 0;
    const pinned = await pinImages([img("images.nginx", "nginx:1.30"), img("apps[0].backend.image", `${host}/mhylle/private-app:1.0.0`)], login(), viaFake);
    assert.deepEqual(pinned, {
        "images.nginx": `nginx:1.30@${digestOf(manifest("library/nginx", "1.30"))}`,
        "apps[0].backend.image": `${host}/mhylle/private-app:1.0.0@${digestOf(manifest("mhylle/private-app", "1.0.0"))}`,
    });
    // The public image's token was asked anonymously; the private one's with the login.
    assert.ok(seen.includes("GET /token?service=fake-registry&scope=repository%3Alibrary%2Fnginx%3Apull -"), seen.join("\n"));
    assert.ok(seen.includes(`GET /token?service=fake-registry&scope=repository%3Amhylle%2Fprivate-app%3Apull ${LOGIN}`), seen.join("\n"));
    assert.ok(seen.includes("HEAD /v2/library/nginx/manifests/1.30 Bearer tok:library/nginx"), seen.join("\n"));
});

test("preflight's own lookup (no endpoint given) asks the registry named in the image", async () => {
    const pinned = await pinImages([img("apps[0].backend.image", `${host}/mhylle/private-app:1.0.0`)], login());
    assert.equal(pinned["apps[0].backend.image"], `${host}/mhylle/private-app:1.0.0@${digestOf(manifest("mhylle/private-app", "1.0.0"))}`);
});

test("a registry whose HEAD answer has no Docker-Content-Digest: the digest of the manifest GET", async () => {
    const pinned = await pinImages([img("images.postgres", `${host}/mhylle/plain-head:2`)], [], viaFake);
    assert.equal(pinned["images.postgres"], `${host}/mhylle/plain-head:2@${digestOf(manifest("mhylle/plain-head", "2"))}`);
});

test("a private image without a login, or with a wrong token: refused, with the credentials advice", async () => {
    const [none] = await refusal([img("apps[0].backend.image", `${host}/mhylle/private-app:1.0.0`)], []);
    assert.equal(none.field, "apps[0].backend.image");
    assert.match(none.problem, new RegExp(`refused to show mhylle/private-app:1\\.0\\.0 without a login \\(401\\)\\); if the image is private, add ${host} to registries\\.credentials with a token`));
    const [wrong] = await refusal([img("apps[0].backend.image", `${host}/mhylle/private-app:1.0.0`)], [{ server: host, username: "mhylle", token: "ghp_wrong" }]);
    assert.match(wrong.problem, new RegExp(`token service http://${host}/token refused the login of mhylle \\(401\\)\\); check the token of ${host} in registries\\.credentials`));
});

test("a tag the registry does not have: 404 named, no credentials advice", async () => {
    const [p] = await refusal([img("apps[1].frontend.image", "nginx:9.9.9")], []);
    assert.equal(p.field, "apps[1].frontend.image");
    assert.match(p.problem, /docker\.io has no tag 9\.9\.9 of library\/nginx \(404\)\); check the image's tag$/);
});

test("an unreachable registry: named as unreachable, no credentials advice; one line per image, all at once", async () => {
    const problems = await refusal(
        [img("images.nginx", "nginx:9.9.9"), img("apps[0].backend.image", `${closedHost}/mhylle/app:1`), img("apps[0].frontend.image", `${host}/mhylle/private-app:1.0.0`)],
        [],
    );
    assert.deepEqual(problems.map((p) => p.field), ["apps[0].backend.image", "apps[0].frontend.image", "images.nginx"]);
    assert.match(problems[0].problem, new RegExp(`cannot read the image's digest from ${closedHost} \\(http://${closedHost} cannot be reached: connect ECONNREFUSED.*\\); check this machine's network`));
    assert.doesNotMatch(problems[0].problem, /credentials/);
    assert.match(problems[1].problem, /without a login \(401\)/);
    assert.match(problems[2].problem, /\(404\)/);
});

test("no token or login travels in clear text off this machine: http:// is for loopback only", async () => {
    await assert.rejects(lookUpDigest("ghcr.io/mhylle/app:1", undefined, { endpoint: () => "http://ghcr.io" }), (e: unknown) => e instanceof DigestLookupError && /neither https:\/\/ nor on this machine/.test(e.message));
    seen.length = 0;
    const [p] = await refusal([img("apps[0].backend.image", `${host}/mhylle/clear-realm:1`)], login());
    assert.match(p.problem, /the token realm http:\/\/registry\.example\.com\/token is neither https:\/\/ nor on this machine/);
    assert.ok(!seen.some((s) => s.includes("ghp_secret") || s.includes(LOGIN)), "the login was not sent");
});
