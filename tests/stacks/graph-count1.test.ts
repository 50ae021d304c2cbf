// With one server and no managed database the program declares the graph it declared before
// multi-server existed, but for the differences a reviewer listed with their reasons. The baseline
// (tests/support/fixtures/graph-before-multi-server/graph-*.json) was recorded once, by
// tests/support/graph.ts in a checkout of 100888c (main as the multi-server merge fbf2172 took it),
// and is never recorded again; reviewed-differences.json beside it names each difference by stack,
// resource and field, with a hash of today's value: a new difference, a reviewed one that changes
// again, or one that is gone fails the test until a person reviews it and edits that list.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { GraphEntry } from "../support/graph";
import { graphDifferences } from "../support/graph-diff";

const ROOT = path.resolve(__dirname, "../..");
const BASELINE = path.join(ROOT, "tests/support/fixtures/graph-before-multi-server");
const before = (stack: string): GraphEntry[] => JSON.parse(fs.readFileSync(path.join(BASELINE, `graph-${stack}.json`), "utf8"));
type Reviewed = { reason: string; differences: Record<string, Record<string, string>> }[];
const REVIEWED: Reviewed = JSON.parse(fs.readFileSync(path.join(BASELINE, "reviewed-differences.json"), "utf8")).reviewed;

/** The graph this program declares for a stack file (one process per recording: Pulumi's runtime is global). */
function now(file: string, opts: { access?: boolean; set?: Record<string, unknown>; dataDir?: string } = {}): GraphEntry[] {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tests/support/graph.ts"), path.join(ROOT, file), ...(opts.access ? ["access"] : [])], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 << 20,
        env: { ...process.env, GRAPH_SET: JSON.stringify(opts.set ?? {}), ...(opts.dataDir ? { GRAPH_DATA_DIR: opts.dataDir } : {}) },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

/** The graph differs from the baseline exactly where the reviewed list says, each field as reviewed (the hash of its value now). */
function assertSameGraph(actual: GraphEntry[], expected: GraphEntry[], stack: string) {
    const found = Object.fromEntries(graphDifferences(expected, actual).map((d) => [d.what, d.now]));
    const reviewed = Object.fromEntries(REVIEWED.flatMap((g) => Object.entries(g.differences[stack] ?? {})));
    for (const g of REVIEWED) assert.ok(g.reason.trim().length > 20, `a reviewed difference has no reason: ${JSON.stringify(g)}`);
    const unreviewed = Object.entries(found).filter(([what, now]) => reviewed[what] !== now).map(([what, now]) => `${what} (now ${now}${what in reviewed ? `, reviewed ${reviewed[what]}` : ", never reviewed"})`);
    const gone = Object.keys(reviewed).filter((what) => !(what in found)).map((what) => `${what} (reviewed, but no longer differs)`);
    assert.deepEqual([...unreviewed, ...gone], [], `${stack}: differences from the graph before multi-server that reviewed-differences.json does not list as they are`);
}

const explicit = { server: { count: 1 }, database: { managed: { enabled: false } } };
const LOCAL_DATA = "/var/tmp/mhylle-graph";

for (const [label, set] of [["left out", {}], ["set explicitly", explicit]] as const) {
    test(`production stack, count 1 and managed database ${label}: the graph is the one before multi-server, but for the reviewed differences`, () => {
        assertSameGraph(now("Pulumi.prod.yaml", { access: true, set: set as Record<string, unknown> }), before("prod"), "prod");
    });
    test(`local stack, count 1 and managed database ${label}: the graph is the one before multi-server, but for the reviewed differences`, () => {
        assertSameGraph(now("Pulumi.local.yaml", { set: set as Record<string, unknown>, dataDir: LOCAL_DATA }), before("local"), "local");
    });
}

test("end-to-end stack: the graph is the one before multi-server, but for the reviewed differences", () => {
    assertSameGraph(now("tests/e2e/stack.yaml"), before("e2e"), "e2e");
});
