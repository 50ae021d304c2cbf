// Read a Pulumi stack file (Pulumi.<stack>.yaml) or a plain YAML/JSON config file without the CLI.
// A file that is not plain YAML config (a syntax error, a duplicate key, a circular or exploding
// alias, a list where a mapping belongs) is refused with `FILE: PROBLEM (line N)`, never read
// half-way: a duplicate key would otherwise silently win over the first one.
import * as fs from "node:fs";
import { Alias, Document, isScalar, LineCounter, Node, parseDocument, Scalar, visit, YAMLError } from "yaml";

export const PROJECT = "mhylle-platform";

export interface StackFile {
    /** Plain config values by key (project prefix removed). */
    readonly raw: Record<string, unknown>;
    /** Keys whose value is encrypted in the file (`secure:`); their values are unknown here. */
    readonly secretKeys: string[];
    /** Keys of other namespaces as written (`scaleway:region`): providers' or misspelled (config/stray-keys.ts). */
    readonly otherKeys: string[];
}

export interface FileProblem {
    readonly file: string;
    readonly problem: string;
    readonly line?: number;
}

export const formatFileProblem = (p: FileProblem) => `${p.file}: ${p.problem}${p.line ? ` (line ${p.line})` : ""}`;

/** Thrown when a stack file cannot be read as config; carries every problem found. */
export class StackFileError extends Error {
    constructor(readonly problems: readonly FileProblem[]) {
        super(problems.map(formatFileProblem).join("\n"));
        this.name = "StackFileError";
    }
}

// Aliases expanded at most this often: a "billion laughs" file stops here instead of filling memory.
const MAX_ALIAS_COUNT = 100;

/** Problems a parsed document's structure has: collection keys and aliases into their own parent. */
function structureProblems(doc: Document, line: (node: Node | Alias) => number | undefined): { problem: string; line?: number }[] {
    const found: { problem: string; line?: number }[] = [];
    visit(doc, {
        Pair(_, pair) {
            if (pair.key !== null && !isScalar(pair.key)) found.push({ problem: "has a key that is a list or mapping; keys must be plain names", line: line(pair.key as Node) });
        },
        Scalar(_, scalar) {
            const problem = octalProblem(scalar);
            if (problem) found.push({ problem, line: line(scalar) });
        },
        Alias(_, alias, path) {
            const target = alias.resolve(doc);
            if (target && path.some((ancestor) => ancestor === target)) found.push({ problem: `has an alias *${alias.source} inside the value it refers to (a circular alias)`, line: line(alias) });
        },
    });
    return found;
}

/**
 * A plain number with a leading zero (0443): this reader takes it as decimal (YAML 1.2), Pulumi's
 * (gopkg.in/yaml.v3, resolve.go) as YAML 1.1's octal, so `npm run render` and the pull request's
 * render would show 443 while `pulumi up` deploys 291.
 */
function octalProblem(scalar: Scalar): string | undefined {
    const text = scalar.source;
    // Only !!str keeps it text in both; Go's resolve parses it the same way under !!int and !!float.
    if (scalar.type !== "PLAIN" || scalar.tag === "tag:yaml.org,2002:str" || typeof text !== "string" || !/^[-+]?0[0-7]+$/.test(text)) return undefined;
    const decimal = Number(text);
    const octal = (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/^[-+]/, ""), 8);
    if (octal === decimal) return undefined;
    return `has the number ${text} with a leading zero, which Pulumi reads as octal (${octal}) and this reader as ${decimal}; write ${decimal} without the zero (or quote it if it is text)`;
}

const firstLine = (e: YAMLError) => e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");

function errorProblem(e: YAMLError, doc: Document): string {
    if (e.code === "DUPLICATE_KEY") {
        let key: unknown = "?";
        visit(doc, { Pair: (_, pair) => void (isScalar(pair.key) && pair.key.range?.[0] === e.pos[0] && (key = pair.key.value)) });
        return `has the key ${JSON.stringify(key)} twice in one mapping; keep one (the second would silently win)`;
    }
    if (e.code === "MULTIPLE_DOCS") return "holds more than one YAML document (a --- line); keep only the config";
    return `is not valid YAML: ${firstLine(e)}`;
}

/** Parses YAML text into plain data, or throws StackFileError naming the file and the line. */
export function parseConfigText(text: string, file: string): unknown {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true, merge: true });
    const line = (node: Node | Alias) => (node.range ? counter.linePos(node.range[0]).line : undefined);
    const problems: FileProblem[] = [
        ...doc.errors.map((e) => ({ file, problem: errorProblem(e, doc), line: e.linePos?.[0].line })),
        ...doc.warnings.map((w) => ({ file, problem: `is not plain YAML config: ${firstLine(w)}`, line: w.linePos?.[0].line })),
    ];
    if (!problems.length) problems.push(...structureProblems(doc, line).map((p) => ({ file, ...p })));
    if (problems.length) throw new StackFileError(problems);
    try {
        return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
        let first: number | undefined;
        visit(doc, { Alias: (_, a) => void (first ??= line(a)) });
        const message = (err as Error).message;
        const problem = /Excessive alias count/.test(message)
            ? `expands its aliases too often (more than ${MAX_ALIAS_COUNT} times); write the values out instead`
            : `has an alias that cannot be read: ${message}`;
        throw new StackFileError([{ file, problem, line: first }]);
    }
}

const isPlainMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !Buffer.isBuffer(v);

/** The top-level mapping's line for a key, for problems about one entry. */
function keyLine(text: string, key: string): number | undefined {
    const i = text.split("\n").findIndex((l) => l.trimStart().startsWith(`${key}:`) || l.trimStart().startsWith(`"${key}":`));
    return i < 0 ? undefined : i + 1;
}

/** Accepts `config: { "mhylle-platform:key": value }` (a stack file) or `{ key: value }`. */
/** @param name how the file is named in problems (the path by default) */
export function readStackFile(file: string, name = file): StackFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new StackFileError([{ file: name, problem: `cannot be read: ${(err as Error).message}` }]);
    }
    if (text.includes("\uFFFD")) throw new StackFileError([{ file: name, problem: "is not UTF-8 text", line: text.slice(0, text.indexOf("\uFFFD")).split("\n").length }]);
    const parsed = parseConfigText(text, name) ?? {};
    return configEntries(parsed, text, name);
}

/** The project's config keys of a parsed stack file (or plain config file). */
function configEntries(doc: unknown, text: string, file: string): StackFile {
    if (!isPlainMapping(doc)) throw new StackFileError([{ file, problem: `must be a mapping of config keys (a stack file has config: {...}), not ${Array.isArray(doc) ? "a list" : typeof doc}`, line: 1 }]);
    const hasConfig = Object.prototype.hasOwnProperty.call(doc, "config");
    if (hasConfig && !isPlainMapping(doc.config))
        throw new StackFileError([{ file, problem: `config must be a mapping of "${PROJECT}:KEY: value" entries, not ${Array.isArray(doc.config) ? "a list" : JSON.stringify(doc.config)}`, line: keyLine(text, "config") }]);
    const entries = hasConfig ? (doc.config as Record<string, unknown>) : doc;
    // No prototype: a key named __proto__ stays a key (and is refused as unknown) instead of becoming one.
    const raw: Record<string, unknown> = Object.create(null);
    const secretKeys: string[] = [];
    const otherKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(entries)) {
        const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
        if (key.includes(":")) {
            otherKeys.push(fullKey); // another package's config, e.g. scaleway:region
            continue;
        }
        if (isPlainMapping(value) && "secure" in value) secretKeys.push(key);
        else raw[key] = value;
    }
    return { raw: { ...raw }, secretKeys, otherKeys };
}
