// Going back after a failed create-before-delete replacement (the nginx server, issue 25), through
// the engine double on real containers, with the platform's guard, ready and retire scripts as
// components/core-container.ts renders them:
//   up 1: server `aaa` created and ready;
//   up 2: a new spec `bbb` is created beside it but never gets ready: the `up` fails, `aaa` keeps
//         running, in state as pending delete (docs/engine-notes.md section 25);
//   up 3: back to `aaa`. The engine creates a container under a name that still runs (the old
//         half); the guard renames that one, and the end of the `up` deletes both old halves by
//         their IDs (as kreuzwerker's delete does), not by name: the new `aaa` is the one left.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Applier } from "../../tools/e2e/applier";
import type { RecordedOptions, RecordedResource } from "../../tools/record";
import { guardScript, readyScript, retireScript } from "../../components/core-container";
import { needsImages } from "../support/requirements";
import { docker } from "../support/containers";
import { tempDirs } from "../support/tmp";

const IMAGE = "local/nginx:1.30";
const skip = needsImages(IMAGE);
const tmp = tempDirs();
const id = `edr-${randomBytes(3).toString("hex")}`;
const LABEL = `${id}.role`;
const COMMAND = "command:local:Command";
const CONTAINER = "docker:index/container:Container";
const options = (o: Partial<RecordedOptions> = {}): RecordedOptions => ({
    protect: false, retainOnDelete: false, dependsOn: [], dependsOnKeys: [], propertyDependencies: {}, propertyDependencyKeys: {},
    ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false, additionalSecretOutputs: [], customTimeouts: {}, ...o,
});
const resource = (type: string, name: string, inputs: Record<string, unknown>, o: Partial<RecordedOptions> = {}): RecordedResource => ({ key: `${type}::${name}`, type, name, inputs, custom: true, state: {}, options: options(o) });
const serverName = (spec: string) => `${id}-server-${spec}`;

/** The three resources coreContainer declares for a create-before-delete container of spec `spec`. */
function program(spec: string, run: number, healthy: boolean): RecordedResource[] {
    const name = serverName(spec);
    const bash = ["/bin/bash", "-c"];
    const guard = resource(COMMAND, "server-guard", { interpreter: bash, create: guardScript(name, spec, 1, { id: "unused", ref: IMAGE }, { label: LABEL }) });
    const container = resource(
        CONTAINER,
        "server",
        { name, image: IMAGE, command: ["sleep", "infinity"], init: true, restart: "unless-stopped", labels: [{ label: LABEL, value: spec }], destroyGraceSeconds: 1 },
        { deleteBeforeReplace: false, deleteBeforeReplaceDefined: true, dependsOn: ["server-guard"], dependsOnKeys: [guard.key] },
    );
    const health = { test: healthy ? ["true"] : ["false"], readyTimeoutSeconds: 2 };
    const ready = resource(
        COMMAND,
        "server-ready",
        { interpreter: bash, create: readyScript(name, `run ${run}`, 64, health, 1), triggers: [name], delete: retireScript(name, 1) },
        { dependsOn: ["server"], dependsOnKeys: [container.key] },
    );
    return [guard, container, ready];
}

const running = async () => (await docker(["ps", "--filter", `label=${LABEL}`, "--format", "{{.ID}} {{.Names}}"])).stdout.trim().split("\n").filter(Boolean);
const fullId = async (name: string) => (await docker(["inspect", "-f", "{{.Id}}", name])).stdout.trim();

after(async () => {
    const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}`], { allowFail: true })).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids], { allowFail: true });
});

test("back to the spec before a failed replacement: the new container under the old name is the one left running", { skip }, async () => {
    const applier = new Applier(path.join(tmp(path.join(os.tmpdir(), "edr-")), "state.json"));
    assert.equal((await applier.apply(program("aaa", 1, true))).ok, true);
    const first = await fullId(serverName("aaa"));

    const failed = await applier.apply(program("bbb", 2, false));
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? "", /did not pass its health check/);
    assert.deepEqual((await running()).map((l) => l.split(" ")[1]), [serverName("aaa")], "the old one serves; the failed one was stopped");

    const back = await applier.apply(program("aaa", 3, true));
    assert.equal(back.ok, true, back.error);
    const left = await running();
    assert.equal(left.length, 1, left.join("\n"));
    assert.equal(left[0].split(" ")[1], serverName("aaa"));
    assert.notEqual(await fullId(serverName("aaa")), first, "the container the engine created, not the old half");
    assert.deepEqual(applier.stateNames.sort(), ["server", "server-guard", "server-ready"]);
});
