// The status job on the running platform: the page it renders, reached as a user on this machine
// reaches it (https://127.0.0.1:<port>/status/ through the published port, where nginx sees the
// gateway of its Docker network, not 127.0.0.1), and what every release recorded for it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalPlatform } from "../platform";
import { run } from "../applier";
import { get } from "./common";
import { RELEASE_EVENTS } from "../../../render/monitoring/layout";

export async function statusPage(p: LocalPlatform) {
    const job = await run(path.join(p.root, "bin/run-job"), ["status"]);
    const page = await get(`${p.baseUrl}/status/`);
    const file = path.join(p.root, RELEASE_EVENTS);
    const events = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
    return {
        jobCode: job.code,
        pageStatus: page.status,
        appsOnPage: [...page.body.matchAll(/<svg class="chart" data-app="([^"]+)"/g)].map((m) => m[1]),
        markers: [...page.body.matchAll(/<svg class="chart" data-app="([^"]+)"[\s\S]*?<\/svg>/g)].flatMap((m) => [...m[0].matchAll(/data-kind="([a-z-]+)"/g)].map((k) => `${m[1]} ${k[1]}`)),
        events: events.map((e) => ({ app: e.app, service: e.service, outcome: e.outcome, digest: e.digest, reason: e.reason })),
    };
}
