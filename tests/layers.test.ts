// The code's shape, checked: layers import one way only (config at the bottom, then pure rendering,
// then components, then the program and composition on top), rendering holds no resource code, and
// no source file or function grows past what a reader takes in at once, unless a comment says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const LAYERS = ["config", "render", "components", "stacks"] as const;
/** A file (or function) may be longer when this comment, with a reason, sits at its top. */
const LONGER = /\/\/ longer: \S|# longer: \S/;
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function filesOf(dir: string, extensions: readonly string[]): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => extensions.some((e) => f.endsWith(e)))
        .map((f) => path.join(dir, f));
}
const sources = (dir: string) => filesOf(dir, [".ts"]);
const all = [...LAYERS.flatMap(sources), "index.ts"];
const layerOf = (file: string) => (file === "index.ts" ? LAYERS.length : LAYERS.indexOf(file.split(path.sep)[0] as (typeof LAYERS)[number]));

function imports(file: string): string[] {
    return ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true).importedFiles.map((i) => i.fileName);
}

test("no import runs from a lower layer to a higher one (config < render < components < stacks < index.ts)", () => {
    const upward: string[] = [];
    for (const file of all)
        for (const spec of imports(file).filter((s) => s.startsWith("."))) {
            const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
            const targetLayer = layerOf(target.endsWith(".ts") ? target : `${target}.ts`);
            if (targetLayer > layerOf(file)) upward.push(`${file} -> ${target}`);
        }
    assert.deepEqual(upward, []);
});

test("rendering is pure: render/ never imports Pulumi, and config/ only to read stack config", () => {
    const pulumi = (file: string) => imports(file).some((s) => s.startsWith("@pulumi/"));
    assert.deepEqual(sources("render").filter(pulumi), []);
    assert.deepEqual(sources("config").filter(pulumi), [path.join("config", "load.ts")]);
});

test("every layer has its files (the walk above saw the code)", () => {
    for (const layer of LAYERS) assert.ok(sources(layer).length >= 3, layer);
});

/** Functions (declarations, methods, arrows of a statement) longer than the limit, without a reason. */
function longFunctions(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const long: string[] = [];
    const visit = (node: ts.Node) => {
        if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
            const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
            const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
            const above = text.slice(0, node.getFullStart() + node.getLeadingTriviaWidth());
            const reason = LONGER.test(above.split("\n").slice(-4).join("\n"));
            if (end - start + 1 > MAX_FUNCTION_LINES && !reason) long.push(`${file}:${start + 1} (${end - start + 1} lines)`);
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return long;
}

// The scripts the platform ships (render/**/*.sh, *.py) count as source files too.
test(`no source file over ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES}, unless a comment says why`, () => {
    const files = [...all, ...sources("tools"), ...filesOf("render", [".sh", ".py"])];
    const longFiles = files.filter((f) => {
        const text = fs.readFileSync(path.join(ROOT, f), "utf8");
        return text.split("\n").length > MAX_FILE_LINES && !LONGER.test(text.split("\n").slice(0, 5).join("\n"));
    });
    assert.deepEqual(longFiles, []);
    assert.deepEqual([...all, ...sources("tools")].flatMap(longFunctions), []);
});
