// Temporary folders for a test file, removed after its tests.
import { after } from "node:test";
import * as fs from "node:fs";

/** Returns `tmp(prefix)`, which makes a folder that is removed when the file's tests end. */
export function tempDirs(): (prefix: string) => string {
    const made: string[] = [];
    after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    return (prefix) => {
        const d = fs.mkdtempSync(prefix);
        made.push(d);
        return d;
    };
}
