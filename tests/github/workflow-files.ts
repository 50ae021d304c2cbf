// The GitHub Actions files of this repository and of the app template, and their run: scripts,
// for the tests that check them.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const ROOT = path.resolve(__dirname, "../..");

function yamlFiles(dir: string): string[] {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) return [];
    return fs.readdirSync(abs).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
}

/** Workflows, relative to the repository root. */
export const WORKFLOWS = [...yamlFiles(".github/workflows"), ...yamlFiles("templates/app/.github/workflows")];

/** Composite actions (action.yml under .github/actions/NAME/). */
export const ACTIONS = fs.existsSync(path.join(ROOT, ".github/actions"))
    ? fs.readdirSync(path.join(ROOT, ".github/actions")).map((d) => path.join(".github/actions", d, "action.yml"))
    : [];

export const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
export const load = (file: string): any => parse(read(file));

export interface Step {
    readonly file: string;
    readonly where: string;
    readonly step: any;
}

/** Every step of every workflow job and composite action. */
export function allSteps(): Step[] {
    const steps: Step[] = [];
    for (const file of WORKFLOWS) {
        for (const [job, def] of Object.entries<any>(load(file).jobs ?? {})) {
            (def.steps ?? []).forEach((step: unknown, i: number) => steps.push({ file, where: `jobs.${job}.steps[${i}]`, step }));
        }
    }
    for (const file of ACTIONS) {
        (load(file).runs?.steps ?? []).forEach((step: unknown, i: number) => steps.push({ file, where: `runs.steps[${i}]`, step }));
    }
    return steps;
}
