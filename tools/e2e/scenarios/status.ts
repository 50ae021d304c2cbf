// The status job on the running platform: the page it renders (the file nginx serves), what a user
// on this machine gets through the published ports (nginx sees the gateway of its Docker network,
// not 127.0.0.1, and never allows a gateway: 403 on the status page's own origin, 404 for /status/
// on the apps' origin), and what every release recorded for it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalPlatform } from "../platform";
import { run } from "../applier";
import { get } from "./common";
import { RELEASE_EVENTS, STATUS_PAGE_DIR } from "../../../render/monitoring/layout";

export async function statusPage(p: LocalPlatform) {
    const job = await run(path.join(p.root, "bin/run-job"), ["status"]);
    const onApps = await get(`${p.baseUrl}/status/`);
    const onOrigin = await get(`https://127.0.0.1:${p.cfg.monitoring.page.port}/status/`);
    const html = path.join(p.root, STATUS_PAGE_DIR, "index.html");
    const page = { body: fs.existsSync(html) ? fs.readFileSync(html, "utf8") : "" };
    const file = path.join(p.root, RELEASE_EVENTS);
    const events = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
    return {
        jobCode: job.code,
        appsOriginStatus: onApps.status,
        pageOriginStatus: onOrigin.status,
        appsOnPage: [...page.body.matchAll(/<svg class="chart" data-app="([^"]+)"/g)].map((m) => m[1]),
        markers: [...page.body.matchAll(/<svg class="chart" data-app="([^"]+)"[\s\S]*?<\/svg>/g)].flatMap((m) => [...m[0].matchAll(/data-kind="([a-z-]+)"/g)].map((k) => `${m[1]} ${k[1]}`)),
        events: events.map((e) => ({ app: e.app, service: e.service, outcome: e.outcome, digest: e.digest, reason: e.reason })),
    };
}
