// npm test: every tests/**/*.test.ts with Node's test runner (tsx for TypeScript), one file at a
// time since integration tests share the Docker engine and ports.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir) {
    return readdirSync(dir).flatMap((entry) => {
        const p = join(dir, entry);
        return statSync(p).isDirectory() ? find(p) : p.endsWith(".test.ts") ? [p] : [];
    });
}

const only = process.argv.slice(2);
const files = (only.length ? only : find("tests")).sort();
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
