// Turning the managed database on for a running platform (docs/runbooks/move-to-the-managed-database.md)
// read as a reviewer would: `database.managed.enabled: true` alone leaves phase at its default,
// done, and one `up` would then point every app at the empty instance and remove the PostgreSQL
// container (then fail late on its protected volume). A step the stack's last `up` did not prepare
// is refused before any resource, naming the field, the value and the fix; the `database` output
// records where the last `up` stood.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

interface Run {
    readonly types: string[];
    readonly database?: unknown;
    readonly error?: string;
}

/** The program on prod's config, `managed` as database.managed, the last `up` having exported `previous` as `database`. */
function run(managed: object | undefined, previous: unknown): Run {
    const code = `
        const pulumi = require("@pulumi/pulumi");
        const { record } = require("./tools/record");
        const { prodConfig } = require("./tests/support/program");
        (async () => {
            process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
            const raw = prodConfig();
            const managed = ${JSON.stringify(managed ?? null)};
            if (managed) raw.database = { ...raw.database, managed };
            const previous = ${JSON.stringify(previous ?? null)};
            const { program } = require("./stacks/program");
            let error;
            const outputs = (type) => (type === "pulumi:pulumi:StackReference" ? { outputs: { servers: { count: 1, retired: [] }, ...(previous ? { database: previous } : {}) }, secretOutputNames: [] } : undefined);
            const { resources, result } = await record(raw, () => program().catch((e) => { error = e.message; }), { outputs });
            const database = result && result.database !== undefined ? await new Promise((resolve) => pulumi.output(result.database).apply(resolve)) : undefined;
            console.log(JSON.stringify({ types: resources.map((r) => r.type), database, error }));
        })();`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8", timeout: 180_000, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const INSTANCE = "scaleway:databases/instance:Instance";

test("the database output records where the last up stood: the container, or the move's phase", () => {
    assert.equal(run(undefined, undefined).database, "container");
    assert.equal(run({ enabled: true, phase: "copying" }, "container").database, "copying");
});

test("turning the managed database on straight to done (the default phase) on a stack that ran the container is refused before any resource", () => {
    const r = run({ enabled: true }, "container");
    const line = (r.error ?? "").split("\n").find((l) => l.startsWith("database.managed.phase:"));
    assert.ok(line, `not refused: ${r.error}`);
    assert.match(line!, /^database\.managed\.phase: is done but the stack's last up ran the apps on the PostgreSQL container: .*empty.*set database\.managed\.phase: copying first .*docs\/runbooks\/move-to-the-managed-database\.md \(got "done"\)$/);
    assert.ok(!r.types.includes(INSTANCE), "an instance was declared");
    // switched is refused too: the apps would use the instance before anything was copied.
    assert.match(run({ enabled: true, phase: "switched" }, "container").error ?? "", /^database\.managed\.phase: is switched but the stack's last up ran the apps on the PostgreSQL container/m);
});

test("from copying straight to done is refused; each step in order, a new stack and a stack without the output are not", () => {
    assert.match(run({ enabled: true, phase: "done" }, "copying").error ?? "", /^database\.managed\.phase: is done but the last up was phase copying: .*set database\.managed\.phase: switched first/m);
    for (const [managed, previous] of [
        [{ enabled: true, phase: "copying" }, "container"],
        [{ enabled: true, phase: "switched" }, "copying"],
        [{ enabled: true, phase: "done" }, "switched"],
        [{ enabled: true, phase: "copying" }, "switched"],
        [{ enabled: true, phase: "done" }, undefined],
    ] as const)
        assert.equal(run(managed, previous).error, undefined, `${JSON.stringify(managed)} after ${previous}`);
});
