// The nginx image change under load (issue 25): `up` with a new images.nginx while wrk, h2load, a
// browser-like client (retries a request once when its keep-alive connection closed under it), a
// client that never retries and a keep-alive connection left idle across the change all run. The
// holder keeps the ports; the new nginx starts beside the old one; the engine stops the old one
// (SIGQUIT) after every other step (components/proxy.ts, docs/engine-notes.md section 25).
import type { LocalPlatform, RawConfig } from "../platform";
import { run } from "../applier";
import { startH2load, startWrk } from "../clients";
import { startBrowserClient } from "../browser-client";
import { startStrictClient } from "../strict-client";
import { idleConnection } from "../idle-connection";
import { NGINX_CONTAINER, NGINX_SERVER } from "../../../config/naming";
import { derivedImage, get, nginxServers, sleep } from "./common";

const PATHS = ["/api/app1/items", "/app1/", "/api/app2/health"];
/** The "new version" of nginx's image the change moves to. */
export const NEXT_NGINX = "local/nginx:1.30-e2e-next";
/** Long enough for the whole `up` (image pull, new nginx, readiness, the old one's graceful stop). */
const H2LOAD_SECONDS = 120;

export async function nginxImageChange(p: LocalPlatform, keep: (raw: RawConfig) => void, log: (line: string) => void) {
    const image = await derivedImage("local/nginx:1.30", NEXT_NGINX);
    log(`changing nginx's image under load: images.nginx -> ${image}`);
    const change = (raw: RawConfig) => (keep(raw), (raw.images.nginx = image));
    const planned = await p.preview(change);
    const holderBefore = (await run("docker", ["inspect", "-f", "{{.Id}}", NGINX_CONTAINER])).stdout.trim();
    const serversBefore = await nginxServers();
    const wrk = startWrk(`${p.baseUrl}/api/app1/items`, { seconds: 600, connections: 8, pauseMs: 20 });
    const h2load = startH2load(`${p.baseUrl}/api/app1/items`, { seconds: H2LOAD_SECONDS, clients: 4, rps: 40 });
    const browser = startBrowserClient(p.baseUrl, PATHS, 4, 20);
    const strict = startStrictClient(p.baseUrl, PATHS, 4, 20);
    const idle = await idleConnection(p.baseUrl, "/api/app1/items");
    await sleep(2000);
    const startedAt = Date.now();
    const result = await p.up(change);
    const upSeconds = (Date.now() - startedAt) / 1000;
    const idleAfterChange = await idle.next();
    await sleep(2000);
    const [browserResult, strictResult, wrkResult] = [await browser.stop(), await strict.stop(), await wrk.stop!()];
    const h2 = await h2load.done;
    const refused = (out: string) => Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0);
    const steps = result.steps.map((s) => `${s.op} ${s.name}`);
    return {
        ok: result.ok,
        error: result.error ?? "",
        preview: planned.filter((s) => s.name === NGINX_CONTAINER || s.name === NGINX_SERVER).map((s) => `${s.op} ${s.name}`),
        steps,
        commandsRun: result.commands.map((c) => c.name).sort(),
        holderKept: (await run("docker", ["inspect", "-f", "{{.Id}}", NGINX_CONTAINER])).stdout.trim() === holderBefore,
        serversBefore,
        serversAfter: await nginxServers(),
        // The provider creates a container from the image's ID.
        serverOnNewImage: (await run("docker", ["inspect", "-f", "{{.Config.Image}}", ...(await nginxServers())])).stdout.trim() === (await run("docker", ["image", "inspect", "-f", "{{.Id}}", image])).stdout.trim(),
        upSeconds,
        routesAfter: Object.fromEntries(await Promise.all(PATHS.map(async (path) => [path, (await get(p.baseUrl + path)).status] as const))),
        browser: browserResult,
        strict: strictResult,
        idleAfterChange,
        wrk: { requests: wrkResult.requests, failed: wrkResult.failed, non2xx: wrkResult.non2xx, refused: refused(wrkResult.output), output: wrkResult.output },
        h2load: { requests: h2.requests, failed: h2.failed, non2xx: h2.non2xx, coveredUp: h2.seconds >= upSeconds, output: h2.output },
    };
}
