// The nginx image handover on real containers: a holder that owns the network namespace (it
// publishes the ports, joins the app's network, runs only a sleep, net.ipv4.tcp_migrate_req=1), an
// nginx on the old image in that namespace, then under load from wrk, h2load, a browser-like
// client and a client that never retries: an nginx on the new image starts beside it (every
// listener `reuseport`, render/nginx/listen.ts), is healthy, and the old one is stopped with
// SIGQUIT (graceful). The same load over one graceful `nginx -s reload` is the yardstick for the
// client that never retries. Upstreams resolve through Docker's DNS from the shared namespace.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { needsImages } from "../../support/requirements";
import { docker } from "../../support/containers";
import { freePort } from "../../support/ports";
import { tempDirs } from "../../support/tmp";
import { REUSEPORT } from "../../../render/nginx/listen";
import { PID_FILE } from "../../../render/nginx/layout";
import { nginxReadyTest } from "../../../render/nginx/ready";
import { ClientResult, startH2load, startWrk } from "../../../tools/e2e/clients";
import { BrowserResult, startBrowserClient } from "../../../tools/e2e/browser-client";
import { StrictResult, startStrictClient } from "../../../tools/e2e/strict-client";

const OLD = "local/nginx:1.30";
const NEW = "local/nginx:1.30-e2e-next";
const skip = needsImages(OLD, NEW);
const tmp = tempDirs();
const id = `handover-${randomBytes(3).toString("hex")}`;
const names = { net: `${id}-net`, app: `${id}-app`, holder: `${id}-holder`, nginx: (n: number) => `${id}-nginx-${n}` };
const CONNECTIONS = { wrk: 8, h2load: 4, browser: 4, strict: 4 };

function nginxConf(app: string): string {
    return `worker_processes 2;
pid ${PID_FILE};
events { worker_connections 1024; }
http {
    access_log off;
    resolver 127.0.0.11 valid=1s;
    keepalive_timeout 65;
    upstream app { zone app 64k; server ${app}:80 resolve; keepalive 8; }
    server {
        listen 80 ${REUSEPORT};
        listen 443 ssl ${REUSEPORT};
        http2 on;
        ssl_certificate /conf/cert.pem;
        ssl_certificate_key /conf/key.pem;
        location = /health { return 200 "ok\\n"; }
        location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
`;
}

interface Run {
    readonly wrk: ClientResult;
    readonly h2load: ClientResult;
    readonly browser: BrowserResult;
    readonly strict: StrictResult;
    readonly changeError: string;
}

let conf = "";
let ports = { http: 0, https: 0 };
let serial = 0;

async function startNginx(image: string): Promise<string> {
    const name = names.nginx(++serial);
    await docker(["run", "-d", "--name", name, "--network", `container:${names.holder}`, "--stop-signal", "SIGQUIT", "-v", `${conf}:/conf:ro`, image, "nginx", "-g", "daemon off;", "-c", "/conf/nginx.conf"]);
    // Ready as the platform's ready command judges an nginx (render/nginx/ready.ts): its own master
    // has bound every listener, and the health check passes (which either nginx may answer).
    for (let i = 0; i < 80; i++) {
        if ((await docker(["exec", name, ...nginxReadyTest()], { allowFail: true })).code === 0) return name;
        if ((await docker(["inspect", "-f", "{{.State.Running}}", name], { allowFail: true })).stdout.trim() !== "true") break;
        await new Promise((r) => setTimeout(r, 250));
    }
    const logs = await docker(["logs", "--tail", "5", name], { allowFail: true });
    throw new Error(`${name} (${image}) never answered /health beside the running nginx: ${logs.stderr}${logs.stdout}`);
}

/** Load from every client for `seconds`, with `change` run after 3 s. */
async function underLoad(seconds: number, change: () => Promise<void>): Promise<Run> {
    const base = `127.0.0.1`;
    const wrk = startWrk(`http://${base}:${ports.http}/`, { seconds, connections: CONNECTIONS.wrk, pauseMs: 20 });
    const h2load = startH2load(`https://${base}:${ports.https}/`, { seconds, clients: CONNECTIONS.h2load, rps: 50 });
    const browser = startBrowserClient(`https://${base}:${ports.https}`, ["/"], CONNECTIONS.browser, 20);
    const strict = startStrictClient(`https://${base}:${ports.https}`, ["/"], CONNECTIONS.strict, 20);
    await new Promise((r) => setTimeout(r, 3000));
    let changeError = "";
    await change().catch((e: Error) => (changeError = e.message));
    await new Promise((r) => setTimeout(r, 3000));
    const [b, s] = [await browser.stop(), await strict.stop()];
    return { wrk: await wrk.stop!(), h2load: await h2load.done, browser: b, strict: s, changeError };
}

const refusedOf = (c: ClientResult) => Number(/Socket errors: connect (\d+)/.exec(c.output)?.[1] ?? 0);
const wrkRead = (c: ClientResult) => Number(/Socket errors: connect \d+, read (\d+)/.exec(c.output)?.[1] ?? 0);

describe("an nginx image change under load: a second nginx beside the first in the holder's namespace", { skip }, () => {
    let handover: Run;
    let reload: Run;
    let holderMemory = "";

    before(async () => {
        conf = tmp(path.join(os.tmpdir(), "handover-"));
        fs.chmodSync(conf, 0o755);
        const tls = await docker(["run", "--rm", "-v", `${conf}:/conf`, OLD, "sh", "-c", "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout /conf/key.pem -out /conf/cert.pem 2>/dev/null && chmod 644 /conf/key.pem"], { allowFail: true });
        if (!fs.existsSync(path.join(conf, "cert.pem"))) throw new Error(`no test certificate: ${tls.stderr}`);
        fs.writeFileSync(path.join(conf, "nginx.conf"), nginxConf(names.app));
        ports = { http: await freePort(), https: await freePort() };
        await docker(["network", "create", names.net]);
        await docker(["run", "-d", "--name", names.app, "--network", names.net, OLD]);
        await docker(["run", "-d", "--name", names.holder, "--network", names.net, "--init", "--sysctl", "net.ipv4.tcp_migrate_req=1",
            "-p", `127.0.0.1:${ports.http}:80`, "-p", `127.0.0.1:${ports.https}:443`, OLD, "sleep", "infinity"]);
        const first = await startNginx(OLD);
        handover = await underLoad(12, async () => {
            await startNginx(NEW);
            // What the provider's delete does (engine-notes): stop with the container's stop signal, then remove.
            await docker(["stop", "-t", "30", first]);
            await docker(["rm", first]);
        });
        reload = await underLoad(12, async () => void (await docker(["exec", names.nginx(serial), "nginx", "-s", "reload", "-c", "/conf/nginx.conf"])));
        holderMemory = (await docker(["stats", "--no-stream", "--format", "{{.MemUsage}}", names.holder])).stdout.trim();
        console.log(JSON.stringify({ holderMemory, handover: summary(handover), reload: summary(reload) }));
    });

    after(async () => {
        const all = [names.app, names.holder, ...Array.from({ length: serial }, (_, i) => names.nginx(i + 1))];
        await docker(["rm", "-f", ...all], { allowFail: true });
        await docker(["network", "rm", names.net], { allowFail: true });
    });

    test("the new image's nginx binds the same ports beside the old one and serves; the old one is gone", async () => {
        assert.equal(handover.changeError, "");
        const running = (await docker(["ps", "--filter", `name=^${id}-nginx-`, "--format", "{{.Image}}"])).stdout.trim();
        assert.equal(running, NEW);
    });

    test("no connection is refused, for any client", () => {
        const h2 = /could not connect|connect failed/i.test(handover.h2load.output) ? 1 : 0;
        const strict = handover.strict.errors.filter((e) => /ECONNREFUSED/.test(e)).length;
        assert.deepEqual([refusedOf(handover.wrk), h2, handover.browser.refused, strict], [0, 0, 0, 0], JSON.stringify(summary(handover)));
    });

    test("no request fails for the browser-like client (it retries a request whose keep-alive connection closed, once)", () => {
        assert.ok(handover.browser.requests > 100, JSON.stringify(handover.browser));
        assert.deepEqual([handover.browser.failed, handover.browser.non2xx], [0, 0], JSON.stringify(handover.browser));
    });

    test("clients that never retry lose no more than a graceful reload can make them lose", () => {
        // The old nginx's graceful quit does to connections what a reload's old workers do: it
        // closes each idle keep-alive connection once (wrk counts that as a read error and
        // reconnects; the strict client loses its next request if it was sent into the close), and
        // sends each HTTP/2 connection a GOAWAY (h2load follows it to a new connection, but does not
        // resend the streams it had started past it, at most -m per connection). Which of these hit
        // depends on timing, in both; an outage would fail hundreds.
        const bounds = { wrk: CONNECTIONS.wrk, strict: CONNECTIONS.strict, h2load: CONNECTIONS.h2load * CONNECTIONS.h2load };
        for (const [name, r] of [["handover", handover], ["reload", reload]] as const) {
            for (const c of [r.h2load, r.wrk]) assert.ok(c.requests > 100, `${name}: ${c.client} sent only ${c.requests}`);
            assert.ok(r.strict.requests > 100, `${name}: strict client sent only ${r.strict.requests}`);
            assert.deepEqual([r.wrk.non2xx, r.h2load.non2xx, r.strict.non2xx], [0, 0, 0], `${name}: ${JSON.stringify(summary(r))}`);
            assert.ok(wrkRead(r.wrk) <= bounds.wrk && r.wrk.failed === wrkRead(r.wrk), `${name}: ${r.wrk.output}`);
            assert.ok(r.strict.failed <= bounds.strict, `${name}: ${JSON.stringify(r.strict)}`);
            for (const e of r.strict.errors) assert.match(e, /socket hang up|ECONNRESET/);
            assert.ok(r.h2load.failed <= bounds.h2load, `${name}: ${r.h2load.output}`);
        }
    });
});

function summary(r: Run) {
    const c = (x: ClientResult) => ({ requests: x.requests, failed: x.failed, non2xx: x.non2xx, refused: refusedOf(x) });
    return { wrk: { ...c(r.wrk), read: wrkRead(r.wrk) }, h2load: c(r.h2load), browser: { ...r.browser, errors: undefined }, strict: { requests: r.strict.requests, failed: r.strict.failed } };
}
