// Debian's chromium, headless, for pages the platform serves: the DOM after load with every
// console line (CSP violations are console errors), and a screenshot. No browser download.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

function chromium(args: string[]): { stdout: string; stderr: string } {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "status-chromium-"));
    try {
        // The platform's bootstrap certificate is self-signed.
        const r = spawnSync("chromium", [...FLAGS, `--user-data-dir=${profile}`, "--ignore-certificate-errors", "--enable-logging=stderr", "--v=0", ...args], { encoding: "utf8", timeout: 120_000 });
        if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${(r.stderr ?? "").slice(-2000)}`);
        return { stdout: r.stdout, stderr: r.stderr };
    } finally {
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

export interface Loaded {
    readonly dom: string;
    /** chromium's console lines for the page (errors, CSP violations, failed loads). */
    readonly console: string[];
}

export function loadPage(url: string): Loaded {
    const r = chromium(["--virtual-time-budget=2000", "--dump-dom", url]);
    return { dom: r.stdout, console: r.stderr.split("\n").filter((l) => l.includes(":CONSOLE")) };
}

/** A PNG of the page at `width`x`height` in `file`. */
export function screenshot(url: string, file: string, width = 1280, height = 2200): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.rmSync(file, { force: true });
    chromium([`--window-size=${width},${height}`, "--hide-scrollbars", `--screenshot=${file}`, url]);
}
