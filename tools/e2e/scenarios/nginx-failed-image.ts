// An nginx image that cannot run the platform's config (its nginx exits at start, as one that
// rejects a directive does), under a browser-like client and one that never retries: the `up`
// fails, the old nginx serves throughout and config delivery still works; then `up` with the
// image before converges, the old server going at its end (components/core-container.ts readyScript
// and guardScript; docs/engine-notes.md section 25, "A new half that never gets ready").
import type { LocalPlatform, RawConfig } from "../platform";
import { run } from "../applier";
import { startBrowserClient } from "../browser-client";
import { startStrictClient } from "../strict-client";
import { nginxServers, sleep } from "./common";

const PATHS = ["/api/app1/items", "/app1/", "/api/app2/health"];

/** `from` with an nginx that exits at every start with the message of one that rejects a directive. */
async function brokenNginxImage(from: string, tag: string): Promise<string> {
    const dockerfile = `FROM ${from}
RUN printf '%s\\n' '#!/bin/sh' 'echo "nginx: [emerg] unknown directive \\"ssl_certificate_cache\\" in /etc/nginx/platform/snippets/tls.conf:3" >&2' 'exit 1' >/usr/sbin/nginx && chmod 755 /usr/sbin/nginx
LABEL io.mhylle.platform.e2e-derived="${tag}"
`;
    const r = await run("docker", ["build", "-q", "-t", tag, "-"], dockerfile);
    if (r.code !== 0) throw new Error(`cannot build ${tag} from ${from}: ${r.stderr}`);
    return tag;
}

const ids = async (names: string[]) => (names.length ? (await run("docker", ["inspect", "-f", "{{.Id}}", ...names])).stdout.trim().split("\n") : []);

/** `keep` is the config that runs now (the image before); the change sets images.nginx to a broken one. */
export async function nginxFailedImage(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    const image = await brokenNginxImage("local/nginx:1.30", "local/nginx:1.30-e2e-broken");
    log(`changing nginx's image to one that cannot start (${image}), then back`);
    const serversBefore = await nginxServers();
    const idsBefore = await ids(serversBefore);
    const browser = startBrowserClient(p.baseUrl, PATHS, 4, 20);
    const strict = startStrictClient(p.baseUrl, PATHS, 4, 20);
    await sleep(1000);
    const failed = await p.up((raw) => (keep(raw), (raw.images.nginx = image)));
    const serversAfterFailure = await nginxServers();
    // What config delivery and certificates run against every running nginx: `nginx -t`.
    const checks = await Promise.all(serversAfterFailure.map((s) => run("docker", ["exec", s, "nginx", "-t"])));
    const back = await p.up(keep);
    await sleep(1000);
    const [browserResult, strictResult] = [await browser.stop(), await strict.stop()];
    const serversAfter = await nginxServers();
    const broken = (await run("docker", ["ps", "-a", "--filter", `ancestor=${image}`, "--format", "{{.Names}}"])).stdout.trim();
    return {
        failedOk: failed.ok,
        failedError: failed.error ?? "",
        serversBefore,
        serversAfterFailure,
        checksAfterFailure: checks.map((c) => c.code),
        backOk: back.ok,
        backError: back.error ?? "",
        serversAfter,
        // The server under the old name is the one the engine created on the way back, not the old one.
        newContainerUnderOldName: serversAfter.length === 1 && serversAfter[0] === serversBefore[0] && (await ids(serversAfter))[0] !== idsBefore[0],
        brokenLeft: broken ? broken.split("\n") : [],
        browser: browserResult,
        strict: strictResult,
    };
}
