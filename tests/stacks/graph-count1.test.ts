// With one server and no managed database the program declares exactly the graph it declared
// before multi-server existed: every resource's type, name, parent, inputs and engine options,
// recorded under mocks from the commit before (tests/support/fixtures/graph/, made by tests/support/graph.ts
// in a checkout of main at 100888c with this program's status modules, which check the managed
// database when one is configured, and its status page allow-list, which takes every platform
// network's gateway; release.sh's slot functions since moved to render/app/slots.sh, which
// the fixtures' release scripts were edited to carry the same way) and from this program, with
// the new settings left out and set explicitly.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { GraphEntry } from "../support/graph";

const ROOT = path.resolve(__dirname, "../..");
const before = (stack: string): GraphEntry[] => JSON.parse(fs.readFileSync(path.join(ROOT, `tests/support/fixtures/graph/graph-${stack}.json`), "utf8"));

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

/** Compared resource by resource, so a failure names the first resource that differs. */
function assertSameGraph(actual: GraphEntry[], expected: GraphEntry[]) {
    assert.deepEqual(actual.map((r) => `${r.type}::${r.name}`), expected.map((r) => `${r.type}::${r.name}`));
    for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i], expected[i], `${expected[i].type}::${expected[i].name} differs`);
}

const explicit = { server: { count: 1 }, database: { managed: { enabled: false } } };
const LOCAL_DATA = "/var/tmp/mhylle-graph";

for (const [label, set] of [["left out", {}], ["set explicitly", explicit]] as const) {
    test(`production stack, count 1 and managed database ${label}: the graph is the one before multi-server`, () => {
        assertSameGraph(now("Pulumi.prod.yaml", { access: true, set: set as Record<string, unknown> }), before("prod"));
    });
    test(`local stack, count 1 and managed database ${label}: the graph is the one before multi-server`, () => {
        assertSameGraph(now("Pulumi.local.yaml", { set: set as Record<string, unknown>, dataDir: LOCAL_DATA }), before("local"));
    });
}

test("end-to-end stack: the graph is the one before multi-server", () => {
    assertSameGraph(now("tests/e2e/stack.yaml"), before("e2e"));
});
