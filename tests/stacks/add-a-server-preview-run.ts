// For tests/stacks/add-a-server.test.ts: one step of going from one server to two, as `pulumi preview`
// runs it. The step before is recorded as `up` (its state kept as the engine double's applier keeps
// it); then the program runs as a preview of the next step, fed that state's outputs (Applier.prior).
// argv[2]: the step ("dns", "certificate" or "done"). Prints one JSON line: the error, if any, and the steps.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Applier, stateEntry } from "../../tools/e2e/applier";
import { PROVIDER_TYPES } from "../../tools/e2e/engine";
import { record, reveal } from "../../tools/record";
import { prodConfig } from "../support/program";

const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const ONE = { count: 1, retired: [] };
const DNS = { count: 2, retired: [], phase: "dns" };
/** Each step: the config of the `up` before it and the `servers` output that `up` read, the output it left, and the phase the step sets. */
const STEPS: Record<string, { before: [number, string | undefined]; beforeRead: object; previous: object; phase: string }> = {
    dns: { before: [1, undefined], beforeRead: ONE, previous: ONE, phase: "dns" },
    certificate: { before: [2, "dns"], beforeRead: ONE, previous: DNS, phase: "certificate" },
    done: { before: [2, "certificate"], beforeRead: DNS, previous: { count: 2, retired: [], phase: "certificate" }, phase: "done" },
};

function config(count: number, phase: string | undefined): Record<string, any> {
    const raw: Record<string, any> = prodConfig();
    raw.server = { ...raw.server, count };
    raw.database = { ...raw.database, managed: { enabled: true } };
    if (phase) raw.loadBalancer = { ...(raw.loadBalancer ?? {}), phase };
    return raw;
}

async function main() {
    process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
    const step = STEPS[process.argv[2]];
    const { program } = await import("../../stacks/program");
    const answer = (servers: object) => (type: string) => (type === STACK_REFERENCE ? { outputs: { servers }, secretOutputNames: [] } : undefined);
    const last = await record(config(...step.before), () => program(), { outputs: answer(step.beforeRead) });
    const state = Object.fromEntries(last.resources.filter((r) => r.custom && !PROVIDER_TYPES.includes(r.type) && r.type !== STACK_REFERENCE).map((r) => [r.key, stateEntry(r, reveal(r.inputs) as Record<string, unknown>)]));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "add-a-server-preview-")), "state.json");
    fs.writeFileSync(file, JSON.stringify(state));
    const applier = new Applier(file);
    let error: string | undefined;
    const preview = await record(config(2, step.phase), () => program().catch((e: Error) => void (error = e.message)), { outputs: answer(step.previous), preview: { prior: applier.prior } });
    const steps = applier.preview(preview.resources.filter((r) => r.type !== STACK_REFERENCE));
    console.log(JSON.stringify({ error, steps }));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

main().catch((e) => {
    console.log(JSON.stringify({ crashed: String(e?.stack ?? e) }));
    process.exitCode = 2;
});
