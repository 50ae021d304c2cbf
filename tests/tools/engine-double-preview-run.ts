// One day-2 preview of the end-to-end stack in the engine double, for tests/tools/engine-double.test.ts
// (Pulumi's runtime is global: one recording pair per process). The last `up` is recorded and kept
// in state as the double's applier keeps it; then the program runs as `pulumi preview` does with a
// change (argv[2]: "app3" adds an app, "nginx" changes the proxy's image), fed from that state by
// Applier.prior. Prints one JSON line: each resource's outputs as the program saw them, and the steps.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Applier, stateEntry } from "../../tools/e2e/applier";
import { PROVIDER_TYPES } from "../../tools/e2e/engine";
import { record, reveal } from "../../tools/record";
import { readStackFile } from "../../config/stack-file";

const STACK = path.join(__dirname, "..", "e2e", "stack.yaml");
/** What the providers returned at the last `up`: a command's stdout names that run, unlike the mock's own "". */
const LAST_UP = (type: string, name: string) => (type.startsWith("command:") ? { stdout: `last up: ${name}`, stderr: "" } : undefined);

function changed(raw: Record<string, any>): Record<string, any> {
    const next = structuredClone(raw);
    if (process.argv[2] === "app3") next.apps.push({ ...structuredClone(next.apps[1]), name: "app3" });
    if (process.argv[2] === "nginx") next.images.nginx = "local/nginx:1.30-next";
    return next;
}

async function main() {
    const raw = readStackFile(STACK).raw;
    const { program } = await import("../../stacks/program");
    const last = await record(raw, () => program(), { outputs: LAST_UP });
    const state = Object.fromEntries(last.resources.filter((r) => r.custom && !PROVIDER_TYPES.includes(r.type)).map((r) => [r.key, stateEntry(r, reveal(r.inputs) as Record<string, unknown>)]));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "engine-double-preview-")), "state.json");
    fs.writeFileSync(file, JSON.stringify(state));
    const applier = new Applier(file);
    const preview = await record(changed(raw), () => program(), { preview: { prior: applier.prior } });
    const steps = applier.preview(preview.resources);
    const seen = Object.fromEntries(preview.resources.filter((r) => r.custom).map((r) => [r.key, reveal(r.state)]));
    console.log(JSON.stringify({ seen, steps, stateKeys: Object.keys(state) }));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

main().catch((e) => {
    console.log(JSON.stringify({ crashed: String(e?.stack ?? e) }));
    process.exitCode = 2;
});
