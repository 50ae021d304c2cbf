// What an integration test needs from the machine. On a laptop without it the test skips with a
// reason; in CI (CI=true) a missing requirement fails the test instead.
import { spawnSync } from "node:child_process";

export const inCI = process.env.CI === "true";

function available(cmd: string, args: string[]): boolean {
    const r = spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return r.status === 0;
}

/**
 * Returns a skip reason for node:test (`{ skip: reason }`), or false when everything is there.
 * Throws in CI, where nothing may skip.
 */
export function needs(...what: ("docker" | "root" | string)[]): string | false {
    const missing: string[] = [];
    for (const w of what) {
        if (w === "docker") {
            if (!available("docker", ["info"])) missing.push("a running Docker engine (bash tools/dockerd.sh)");
        } else if (w === "root") {
            if (process.getuid?.() !== 0) missing.push("root");
        } else if (!available("sh", ["-c", `command -v ${w}`])) {
            missing.push(`the program ${w} (see .ci/run for its Debian package)`);
        }
    }
    if (!missing.length) return false;
    const reason = `needs ${missing.join(", ")}`;
    if (inCI) throw new Error(`${reason}; CI=true so this test may not skip`);
    return reason;
}

/** Skip reason (or throw in CI) unless Docker runs and every image is built. */
export function needsImages(...images: string[]): string | false {
    const base = needs("docker");
    if (base) return base;
    const missing = images.filter((i) => spawnSync("docker", ["image", "inspect", i], { stdio: "ignore" }).status !== 0);
    if (!missing.length) return false;
    const reason = `needs the images ${missing.join(", ")} (bash tests/support/images/build.sh)`;
    if (inCI) throw new Error(`${reason}; CI=true so this test may not skip`);
    return reason;
}
