// Running the end-to-end scenario as its own process (it takes the machine-wide lock and builds the
// images first), and reading the JSON line programs here end their output with.
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { ScenarioResult } from "./scenario";

/** The last line of `text`, parsed as JSON; `fallback` when there is none. */
export function lastJsonLine<T>(text: string, fallback?: T): T {
    const line = text.trim().split("\n").pop();
    if (!line) {
        if (fallback !== undefined) return fallback;
        throw new Error("no output to read a JSON line from");
    }
    return JSON.parse(line) as T;
}

/** `npm run e2e` in a child process; throws with its last output when it fails. */
export function runScenarioProcess(stderr: "pipe" | "inherit" = "pipe"): ScenarioResult {
    const root = path.resolve(__dirname, "../..");
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools/e2e.ts")], {
        cwd: root,
        encoding: "utf8",
        timeout: 1_800_000,
        stdio: ["ignore", "pipe", stderr],
    });
    if (r.status !== 0) throw new Error(`the end-to-end scenario failed (exit ${r.status}): ${(r.stderr ?? "").slice(-3000)}`);
    return lastJsonLine<ScenarioResult>(r.stdout);
}
