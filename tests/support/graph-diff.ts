// The differences between two resource graphs (tests/support/graph.ts), one line per resource and
// field: `type::name inputs.create`, `type::name options.dependsOn`, or `type::name` alone for a
// resource one graph has and the other lacks. Each comes with a short hash of its value now, so a
// reviewed difference that changes again is a new difference.
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { GraphEntry } from "./graph";

export interface GraphDifference {
    /** `type::name field`, or `type::name` for a resource only one graph has. */
    readonly what: string;
    /** What the graph now holds there: the first 12 hex digits of its JSON's SHA-256 ("absent" when now has no such resource). */
    readonly now: string;
}

const hash = (value: unknown) => createHash("sha256").update(JSON.stringify(value ?? null)).digest("hex").slice(0, 12);
const keyOf = (r: GraphEntry) => `${r.type}::${r.name}`;

export function graphDifferences(before: readonly GraphEntry[], now: readonly GraphEntry[]): GraphDifference[] {
    const old = new Map(before.map((r) => [keyOf(r), r]));
    const cur = new Map(now.map((r) => [keyOf(r), r]));
    const out: GraphDifference[] = [];
    for (const [key, r] of cur) {
        const b = old.get(key);
        if (!b) {
            out.push({ what: key, now: hash(r) });
            continue;
        }
        if (b.parent !== r.parent) out.push({ what: `${key} parent`, now: hash(r.parent) });
        for (const part of ["inputs", "options"] as const) {
            const x = (b[part] ?? {}) as Record<string, unknown>;
            const y = (r[part] ?? {}) as Record<string, unknown>;
            for (const field of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort())
                if (!isDeepStrictEqual(x[field], y[field])) out.push({ what: `${key} ${part}.${field}`, now: hash(y[field]) });
        }
    }
    for (const key of old.keys()) if (!cur.has(key)) out.push({ what: key, now: "absent" });
    return out.sort((a, b) => a.what.localeCompare(b.what));
}
