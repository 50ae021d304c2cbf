// The prune-images job, installed as production renders it. First with a fake `docker` that records
// its arguments: the scheduled run prunes every unused image older than the window, and no argument
// can widen it. Then on the real engine, narrowed to images this test loads (a label unique to the
// run, so no other image on the machine can go): an old unused image goes; an old image a stopped
// container uses stays; a recent unused one stays.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { needs } from "../../support/requirements";
import { ok, opsRoot, removeContainers, sh } from "../../support/ops";
import { prodConfig } from "../../support/prod-stack";
import { validateConfig } from "../../../config/validate";
import { monitoringSchedule } from "../../../render/monitoring/jobs";
import { productionTargets } from "../../../render/backup/layout";

/** The production stack's config (the scaleway target), with these monitoring settings. */
function prod(monitoring: Record<string, unknown> = {}): Record<string, unknown> {
    const raw = prodConfig();
    return { ...raw, monitoring: { ...((raw.monitoring as Record<string, unknown>) ?? {}), ...monitoring } };
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** Installs the ops scripts with `raw` config and a fake docker on PATH; returns the recorded calls of one run. */
function shimRun(raw: Record<string, unknown>, args: string[] = []): { code: number; stderr: string; calls: string[][] } {
    const ops = opsRoot(raw);
    const shim = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-shim-"));
    const log = path.join(shim, "calls");
    try {
        // One line per call, arguments separated by a tab.
        fs.writeFileSync(path.join(shim, "docker"), `#!/usr/bin/env bash\n(IFS=$'\\t'; printf '%s\\n' "$*") >> ${JSON.stringify(log)}\n`, { mode: 0o755 });
        const r = sh(path.join(ops.root, "bin/prune-images.sh"), args, { env: { PATH: `${shim}:${process.env.PATH}` } });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trimEnd().split("\n").filter(Boolean).map((l) => l.split("\t")) : [];
        return { code: r.code, stderr: r.stderr, calls };
    } finally {
        ops.cleanup();
        fs.rmSync(shim, { recursive: true, force: true });
    }
}

test("the scheduled run prunes every image no container uses, older than the default 7 days", () => {
    const r = shimRun(prod());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls, [["image", "prune", "--all", "--force", "--filter", "until=168h"]]);
});

test("monitoring.imageKeepDays sets the window", () => {
    assert.deepEqual(shimRun(prod({ imageKeepDays: 30 })).calls, [["image", "prune", "--all", "--force", "--filter", "until=720h"]]);
});

test("a label argument narrows the prune; any other argument is refused and docker is never called", () => {
    assert.deepEqual(shimRun(prod(), ["label=opstest.prune=x"]).calls, [["image", "prune", "--all", "--force", "--filter", "until=168h", "--filter", "label=opstest.prune=x"]]);
    for (const bad of ["until=1h", "--filter", "dangling=false", "label="]) {
        const r = shimRun(prod(), [bad]);
        assert.equal(r.code, 2, bad);
        assert.deepEqual(r.calls, [], `${bad}: docker must not run`);
    }
});

test("the local target has no image prune: its Docker is the developer's, with images the platform never made", () => {
    const local = monitoringSchedule(validateConfig({}), productionTargets("/opt/platform"), { postgresContainer: true, backups: true });
    assert.equal(validateConfig({}).target, "local");
    assert.deepEqual(local.jobs.filter((j) => j.name === "prune-images"), []);
    const scaleway = monitoringSchedule(validateConfig(prod()), productionTargets("/opt/platform"), { postgresContainer: true, backups: true });
    assert.deepEqual(scaleway.jobs.filter((j) => j.name === "prune-images").map((j) => j.schedule), ["30 4 * * *"]);
});

// --- on the real engine -------------------------------------------------------------------

const skip = needs("docker", "tar");
const RUN = `${process.pid}-${randomBytes(4).toString("hex")}`;
const LABEL = `opstest.prune=${RUN}`;
const REPO = `opstest-prune-${RUN}`;
const CONTAINER = `opstest-prune-${RUN}`;
const TAGS = { old: `${REPO}/old:1`, used: `${REPO}/used:1`, recent: `${REPO}/recent:1` };
const work = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-prune-"));
const exists = (ref: string) => sh("docker", ["image", "inspect", ref]).code === 0;

/** Loads a one-file image with this creation time and the run's label (docker load of a hand-made archive). */
function loadImage(tag: string, created: string) {
    const dir = fs.mkdtempSync(path.join(work, "image-"));
    const files = path.join(dir, "files");
    fs.mkdirSync(files);
    fs.writeFileSync(path.join(files, "marker"), tag);
    ok("tar", ["-C", files, "-cf", path.join(dir, "layer.tar"), "marker"]);
    const layer = fs.readFileSync(path.join(dir, "layer.tar"));
    const config = JSON.stringify({
        architecture: process.arch === "arm64" ? "arm64" : "amd64",
        os: "linux",
        created,
        config: { Cmd: ["/marker"], Labels: { "opstest.prune": RUN, "opstest.tag": tag } },
        rootfs: { type: "layers", diff_ids: [`sha256:${sha256(layer)}`] },
    });
    const configFile = `${sha256(config)}.json`;
    fs.writeFileSync(path.join(dir, configFile), config);
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify([{ Config: configFile, RepoTags: [tag], Layers: ["layer.tar"] }]));
    ok("tar", ["-C", dir, "-cf", path.join(dir, "image.tar"), "manifest.json", configFile, "layer.tar"]);
    ok("docker", ["load", "-q", "-i", path.join(dir, "image.tar")]);
}

before(() => {
    if (skip) return;
    loadImage(TAGS.old, "2020-01-01T00:00:00Z");
    loadImage(TAGS.used, "2020-01-01T00:00:00Z");
    loadImage(TAGS.recent, new Date().toISOString());
    // Never started: a stopped container's image is in use all the same.
    ok("docker", ["create", "--name", CONTAINER, "--label", "opstest=1", TAGS.used]);
});

after(() => {
    if (!skip) {
        removeContainers(CONTAINER);
        for (const t of Object.values(TAGS)) sh("docker", ["image", "rm", t]);
    }
    fs.rmSync(work, { recursive: true, force: true });
});

test("on Docker: an old unused image goes; one a stopped container uses and a recent one stay", { skip }, () => {
    for (const t of Object.values(TAGS)) assert.ok(exists(t), `${t} loaded`);
    const ops = opsRoot(prod());
    try {
        const r = sh(path.join(ops.root, "bin/prune-images.sh"), [`label=${LABEL}`]);
        assert.equal(r.code, 0, r.stderr);
    } finally {
        ops.cleanup();
    }
    assert.equal(exists(TAGS.old), false, "the old unused image is removed");
    assert.equal(exists(TAGS.used), true, "the image of a stopped container stays");
    assert.equal(exists(TAGS.recent), true, "an image younger than the window stays");
});
