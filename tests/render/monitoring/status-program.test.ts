// The status program is its modules joined in order (render/monitoring/status.ts): each module's
// own lines, unchanged, with only its one-line relative imports taken out; a module the join could
// not reproduce faithfully (another import form, a name from a later module or one it does not
// define, a name defined twice) is refused at render time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { joinModules, readStatusModules, STATUS_MODULES, statusProgram, topLevelNames } from "../../../render/monitoring/status";
import { validateConfig } from "../../../config/validate";
import { productionTargets } from "../../../render/backup/layout";

const m = (name: string, source: string) => ({ name, source });

test("the installed program is the joined modules with the config filled in, nothing else", () => {
    const cfg = validateConfig({ apps: [{ name: "app1", frontend: { image: "x/f:1" }, backend: { image: "x/b:1" } }] });
    const program = statusProgram({ ...productionTargets("/opt/platform"), coreContainers: [], apps: cfg.apps, domains: [cfg.domain], monitoring: cfg.monitoring, backups: true });
    const config = /^CONFIG = json\.loads\(r"""(.*)"""\)$/m.exec(program)![1];
    assert.equal(JSON.parse(config).apps[0].prefixes.join(" "), "/app1 /api/app1");
    assert.equal(program, "#!/usr/bin/env python3\n" + joinModules(readStatusModules()).replace("__CONFIG__", () => config));
    assert.equal((program.match(/^# ---- [a-z]+\.py ----$/gm) ?? []).join(" "), STATUS_MODULES.map((n) => `# ---- ${n}.py ----`).join(" "));
    assert.doesNotMatch(program, /^\s*from \./m);
});

test("each module's body appears unchanged in the program", () => {
    const program = joinModules(readStatusModules());
    for (const mod of readStatusModules()) {
        const own = mod.source.split("\n").filter((l) => !/^from \./.test(l)).join("\n").trimEnd();
        assert.ok(program.includes(own), `${mod.name}.py is in the program as written`);
    }
});

test("refused: a relative import in another form, from a later module, of a name not defined, a name defined twice", () => {
    assert.throws(() => joinModules([m("a", "def f():\n    pass\n"), m("b", "from .a import (\n    f,\n)\n")]), /b\.py: write relative imports on one line/);
    assert.throws(() => joinModules([m("a", "from . import b\n")]), /a\.py: write relative imports on one line/);
    assert.throws(() => joinModules([m("a", "from .b import g\n"), m("b", "def g():\n    pass\n")]), /a\.py imports from b, which is not an earlier module/);
    assert.throws(() => joinModules([m("a", "def f():\n    pass\n"), m("b", "from .a import f, h\n")]), /b\.py imports h from a, which does not define it/);
    assert.throws(() => joinModules([m("a", "LIMIT = 1\n"), m("b", "LIMIT = 2\n")]), /b\.py defines LIMIT, which a\.py defines too/);
    assert.throws(() => joinModules([m("a", "X, Y = 1, 2\n"), m("b", "class Y:\n    pass\n")]), /b\.py defines Y, which a\.py defines too/);
    assert.deepEqual(topLevelNames("import os\nA = 1\nB: int = 2\nif A == 1:\n    C = 3\ndef f(x=1):\n    pass\nW, H = 1, 2\n"), ["A", "B", "f", "W", "H"]);
});
