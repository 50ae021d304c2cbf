// The rendered status program (bin/platform-status, exactly as production installs it) driven
// from tests: as the job runs it, or imported by Python to call one of its functions many times
// (a month of samples in seconds instead of a month of runs).
import * as fs from "node:fs";
import * as path from "node:path";
import { sh } from "./ops";

/** Runs `body` (Python) with the rendered program imported as `ps`; returns what it prints as JSON. */
export function withProgram(root: string, body: string, env: Record<string, string> = {}): any {
    const driver = [
        "import importlib.machinery, importlib.util, json, sys",
        "loader = importlib.machinery.SourceFileLoader('platform_status', sys.argv[1])",
        "spec = importlib.util.spec_from_loader('platform_status', loader)",
        "ps = importlib.util.module_from_spec(spec)",
        "loader.exec_module(ps)",
        body,
    ].join("\n");
    const r = sh("python3", ["-c", driver, path.join(root, "bin/platform-status")], { env: { PLATFORM_ROOT: root, ...env }, timeout: 300_000 });
    if (r.code !== 0) throw new Error(`python exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** One sample line as the status job writes it, for `apps` with `requests` each (times in seconds). */
export function sample(t: number, apps: string[], requests = 100, extra: Record<string, unknown> = {}) {
    return {
        t,
        st: "green",
        apps: Object.fromEntries(apps.map((a, i) => [a, { st: 0, n: requests + i, e: i % 3, p50: 0.0123, p95: 0.2345 }])),
        core: { "mhylle-nginx": { up: 1, mb: 23.4 }, "mhylle-postgres": { up: 1, mb: 210.7 }, "mhylle-watchtower": { up: 1, mb: 12.1 } },
        certs: { "mhylle.com": 61.2 },
        backups: Object.fromEntries(apps.map((a) => [`${a.replace(/-/g, "_")}_db`, 5.3])),
        disk: 71.4,
        ...extra,
    };
}

/** Writes samples (oldest first) to the day files the program reads. */
export function writeSamples(root: string, samples: { t: number }[]) {
    const dir = path.join(root, "state/history");
    fs.mkdirSync(dir, { recursive: true });
    for (const s of samples) {
        const day = new Date(s.t * 1000).toISOString().slice(0, 10).replace(/-/g, "");
        fs.appendFileSync(path.join(dir, `samples-${day}.jsonl`), JSON.stringify(s) + "\n");
    }
}

/** Appends release events as release.sh does. */
export function writeEvents(root: string, events: Record<string, unknown>[]) {
    const file = path.join(root, "state/history/events.jsonl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const e of events) fs.appendFileSync(file, JSON.stringify(e) + "\n");
}
