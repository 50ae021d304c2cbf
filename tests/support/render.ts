// Run `npm run render` the way a user would and return the output folder.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

export interface RenderResult {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly out: string;
}

export function renderStack(args: string[]): RenderResult {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools/render.ts"), ...args, "--out", out], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, out };
}

export function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}
