// npm run render -- (--stack NAME | --config FILE) --out DIR
// Runs the program under mocks and writes resources.json, files/ and scripts/ (docs/proven.md, "Render, end to end, bench").
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { formatFileProblem, readStackFile, StackFile, StackFileError } from "../config/stack-file";
import { validateConfig } from "../config/validate";
import { strayKeyProblems } from "../config/stray-keys";
import { ConfigError, formatProblem, Problem } from "../config/problem";
import { record, redact, RecordedResource, SECRET_PLACEHOLDER, isSecret, reveal } from "./record";
import { decodeBundle, isBundle } from "../render/bundle";

const SERVER_ROOT = "/opt/platform";
const COMMAND_TYPES = ["command:local:Command", "command:remote:Command"];

function usage(message: string): never {
    console.error(`${message}\nusage: npm run render -- (--stack NAME | --config FILE) --out DIR`);
    process.exit(64);
}

function parseArgs(argv: string[]) {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (!["--stack", "--config", "--out"].includes(flag)) usage(`unknown argument ${flag}`);
        if (argv[i + 1] === undefined) usage(`${flag} needs a value`);
        args[flag.slice(2)] = argv[++i];
    }
    if (!args.out) usage("--out DIR is required");
    if (!!args.stack === !!args.config) usage("give exactly one of --stack NAME or --config FILE");
    return args;
}

function write(file: string, content: string, mode?: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    if (mode) fs.chmodSync(file, parseInt(mode, 8));
}

/** Files a resource puts on the server, at their server paths. */
export function serverFiles(r: RecordedResource): { path: string; content: string; mode?: string }[] {
    const out: { path: string; content: string; mode?: string }[] = [];
    if (COMMAND_TYPES.includes(r.type) && isBundle(r.inputs.stdin)) {
        for (const f of decodeBundle(r.inputs.stdin)) out.push({ ...f, path: `${SERVER_ROOT}/${f.path}` });
    }
    // Secret: it holds the server's private host key, which no rendered file shows (the rest is plain).
    const userData = reveal(r.inputs.userData) as Record<string, unknown> | undefined;
    if (r.type === "scaleway:instance/server:Server" && userData && typeof userData["cloud-init"] === "string") {
        const text = userData["cloud-init"].replace(/-----BEGIN OPENSSH PRIVATE KEY-----[^]*?-----END OPENSSH PRIVATE KEY-----/g, SECRET_PLACEHOLDER);
        out.push({ path: "/var/lib/cloud/instance/user-data.txt", content: text });
        for (const f of parse(text).write_files ?? []) out.push({ path: f.path, content: f.content, mode: f.permissions });
    }
    return out;
}

export interface RenderOptions {
    /** Stack name under the mocks. @default "render" */
    readonly stack?: string;
    /** Value of each secret config key (the SSH key, registry tokens); placeholders by default. */
    readonly secretValue?: (key: string) => string;
    /** How the file is named in problems. @default its path */
    readonly displayName?: string;
}

export interface RenderOutcome {
    /** 0: rendered; 2: refused (bad file or bad config). */
    readonly status: 0 | 2;
    /** One line per problem: `FILE: PROBLEM (line N)` or `FIELD: PROBLEM (got VALUE)`. */
    readonly problems: string[];
    readonly summary?: string;
}

const refused = (problems: string[]): RenderOutcome => ({ status: 2, problems });

/** The whole of `npm run render` but the process around it: callable many times in one process. */
export async function renderConfigFile(file: string, outDir: string, options: RenderOptions = {}): Promise<RenderOutcome> {
    let stackFile: StackFile;
    try {
        stackFile = readStackFile(file, options.displayName ?? file);
    } catch (err) {
        if (err instanceof StackFileError) return refused(err.problems.map(formatFileProblem));
        throw err;
    }
    const { raw, secretKeys, otherKeys } = stackFile;
    // The program sees the project's keys only (record() sets them): misspelled namespaces here.
    const stray = strayKeyProblems(otherKeys, raw);
    try {
        validateConfig(raw);
    } catch (err) {
        if (err instanceof ConfigError) return refused([...err.problems, ...stray].map(formatProblem));
        throw err;
    }
    if (stray.length) return refused(stray.map(formatProblem));
    const secretValue = options.secretValue ?? (() => SECRET_PLACEHOLDER);
    const secrets = Object.fromEntries([...secretKeys].map((k) => [k, secretValue(k)]));
    const { program, RefusedConfig } = await import("../stacks/program");
    let refusedBy: readonly Problem[] | undefined;
    const { resources } = await record(
        raw,
        () =>
            program().catch((err) => {
                if (!(err instanceof RefusedConfig)) throw err;
                refusedBy = err.problems;
            }),
        { secrets, stack: options.stack ?? "render" },
    );
    if (refusedBy) return refused(refusedBy.map(formatProblem));
    return { status: 0, problems: [], summary: writeRendered(resources, path.resolve(outDir)) };
}

/** resources.json, files/ and scripts/ under `out` (emptied first); returns a one-line summary. */
function writeRendered(resources: readonly RecordedResource[], out: string): string {
    fs.rmSync(out, { recursive: true, force: true });
    const listed = resources.map((r) => ({ type: r.type, name: r.name, inputs: redact(r.inputs), parent: r.parent ?? null }));
    write(path.join(out, "resources.json"), JSON.stringify(listed, null, 2) + "\n");
    let files = 0;
    let scripts = 0;
    for (const r of resources) {
        for (const f of serverFiles(r)) {
            write(path.join(out, "files", f.path), f.content, f.mode);
            files++;
        }
        if (!COMMAND_TYPES.includes(r.type)) continue;
        for (const op of ["create", "update", "delete"] as const) {
            const text = r.inputs[op];
            if (typeof text === "string") {
                write(path.join(out, "scripts", `${r.name}.${op}.sh`), `#!/usr/bin/env bash\n${text}`, "0755");
                scripts++;
            } else if (isSecret(text)) {
                write(path.join(out, "scripts", `${r.name}.${op}.sh`), `# ${SECRET_PLACEHOLDER}\n`);
            }
        }
    }
    return `rendered ${resources.length} resources, ${files} files, ${scripts} scripts to ${out}`;
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const file = args.config ?? path.join(process.cwd(), `Pulumi.${args.stack}.yaml`);
    if (!fs.existsSync(file)) usage(`no such stack config: ${file}`);
    // Problems name the file as the user did: the --config path, or Pulumi.<stack>.yaml.
    const outcome = await renderConfigFile(file, args.out, { stack: args.stack, displayName: args.config ?? path.basename(file) });
    for (const line of outcome.problems) console.error(line);
    if (outcome.summary) console.log(outcome.summary);
    process.exit(outcome.status);
}

if (require.main === module)
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    });
