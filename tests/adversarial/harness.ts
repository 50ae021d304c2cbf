// Renders every case through render's own code path (tools/render.ts's renderConfigFile, the work
// of `npm run render` minus the process), all in this one process, and groups what they rendered
// so that each expensive check runs once per distinct artefact.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { renderConfigFile } from "../../tools/render";
import { PROJECT, readStackFile } from "../../config/stack-file";
import { listFiles } from "../support/render";
import { TEST_AGE_IDENTITY, TEST_DEPLOY_PRIVATE_KEY } from "../support/prod-stack";
import { Case } from "./case";

export const STACK_FILE = "stack.yaml";

export interface CaseResult {
    readonly c: Case;
    readonly status: number;
    readonly problems: string[];
    readonly out: string;
    /** The config as read back from the stack file (accepted cases). */
    readonly raw?: Record<string, unknown>;
}

/** Distinct secret values handed to the program: none may appear in anything rendered. */
export const SECRET_VALUES = new Map<string, string>();
function secretValue(key: string): string {
    if (key === "sshPrivateKey") return TEST_DEPLOY_PRIVATE_KEY;
    // The program checks this one against backups.offsite.recipient: the cases' recipient's identity.
    if (key === "backupIdentity") SECRET_VALUES.set(key, TEST_AGE_IDENTITY);
    // The program checks this one's shape (an https URL) without printing it.
    if (key === "alertWebhookUrl" && !SECRET_VALUES.has(key)) SECRET_VALUES.set(key, `https://hooks.example.com/battery-${randomBytes(12).toString("hex")}`);
    if (!SECRET_VALUES.has(key)) SECRET_VALUES.set(key, `battery-${key}-${randomBytes(12).toString("hex")}`);
    return SECRET_VALUES.get(key)!;
}

/** The stack file a user would write for a case. */
function stackFileText(c: Case): string | Buffer {
    if (typeof c.config === "string" || Buffer.isBuffer(c.config)) return c.config;
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.config)) config[`${PROJECT}:${k}`] = v;
    for (const k of c.secrets ?? []) config[`${PROJECT}:${k}`] = { secure: "v1:battery-encrypted" };
    return stringify({ config }, { lineWidth: 0 });
}

export async function renderCases(cases: readonly Case[], dir: string): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    for (const [i, c] of cases.entries()) {
        const caseDir = path.join(dir, String(i).padStart(3, "0"));
        fs.mkdirSync(caseDir, { recursive: true });
        const file = path.join(caseDir, STACK_FILE);
        fs.writeFileSync(file, stackFileText(c));
        const out = path.join(caseDir, "out");
        const r = await renderConfigFile(file, out, { displayName: STACK_FILE, secretValue });
        results.push({ c, status: r.status, problems: r.problems, out, raw: r.status === 0 ? readStackFile(file).raw : undefined });
    }
    return results;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex");

/** One entry per distinct content, with the cases that rendered it. */
export class Distinct<T> {
    private readonly seen = new Map<string, { value: T; cases: string[] }>();
    add(key: string, value: T, who: string) {
        const k = hash(key);
        const entry = this.seen.get(k);
        if (entry) entry.cases.push(who);
        else this.seen.set(k, { value, cases: [who] });
    }
    get entries() {
        return [...this.seen.values()];
    }
}

/** Every bash script a case rendered: command scripts and bash files put on the server. */
export function bashScripts(out: string): string[] {
    const scripts = listFiles(path.join(out, "scripts")).filter((f) => fs.readFileSync(f, "utf8").startsWith("#!/usr/bin/env bash"));
    const files = listFiles(path.join(out, "files")).filter((f) => fs.readFileSync(f, "utf8").startsWith("#!/usr/bin/env bash"));
    return [...scripts, ...files];
}

/** Every file of a rendered output folder, with its text. */
export function everyFile(out: string): { file: string; text: string }[] {
    return listFiles(out).map((file) => ({ file, text: fs.readFileSync(file, "utf8") }));
}

/** The nginx bundle a case rendered, as one text (for grouping equal bundles). */
export function nginxBundle(out: string): string {
    const dir = path.join(out, "files/opt/platform/nginx");
    return listFiles(dir)
        .sort()
        .map((f) => `${path.relative(dir, f)}\n${fs.readFileSync(f, "utf8")}`)
        .join("\n\0\n");
}
