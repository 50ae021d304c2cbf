// One run at a time per machine: a tool runs itself again under `flock` on its lock file (the
// marker variable says it already holds it), so two runs never share container names or engines.
import { spawnSync } from "node:child_process";

/** Returns when this process holds `lockFile`; otherwise runs `script` again under it and exits with its code. */
export function holdLock(lockFile: string, marker: string, waitSeconds: number, script: string): void {
    if (process.env[marker]) return;
    const argv = process.argv.slice(2);
    const r = spawnSync("flock", ["-w", String(waitSeconds), lockFile, process.execPath, ...process.execArgv, script, ...argv], { stdio: "inherit", env: { ...process.env, [marker]: "1" } });
    process.exit(r.status ?? 1);
}
