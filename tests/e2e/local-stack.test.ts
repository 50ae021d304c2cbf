// The local stack exactly as shipped (Pulumi.local.yaml), brought up on this machine's Docker by the
// engine double: the demo app built from its Dockerfiles (on a locally made base, since no registry
// is reachable here), every route answering through HTTPS, then a destroy that leaves nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { needs } from "../support/requirements";
import { lastJsonLine } from "../../tools/e2e/run";
import { CERTBOT_VOLUME, PLATFORM_LABEL, POSTGRES_VOLUME } from "../../config/naming";

const ROOT = path.resolve(__dirname, "../..");
const skip = needs("docker", "root", "debootstrap");
const e2e = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools/e2e.ts"), "--config", path.join(ROOT, "Pulumi.local.yaml"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 1_200_000 });

let base = "";
let down: { ok: boolean; error: string; leftovers: { containers: string[]; networks: string[]; volumes: string[]; dataFolder: boolean } } | undefined;

type Build = { context: string; dockerfile: string; args?: Record<string, string> };
const APPS: { name: string; frontend: { build: Build }; backend: { build: Build } }[] = parse(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8")).config["mhylle-platform:apps"];
const docker = (...args: string[]) => {
    const r = spawnSync("docker", args, { encoding: "utf8", env: { ...process.env, DOCKER_BUILDKIT: "0" } });
    assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
};
const lines = (...args: string[]) => docker(...args).split("\n").filter(Boolean);

/**
 * Docker objects that carry the platform's names: its own (mhylle-*), an app's (app1-*), its
 * volumes, or its label. The other lane of `npm test` runs containers beside this file, under
 * prefixes made up per test, so a diff of everything on the engine would see theirs come and go;
 * this filter keeps exactly what the platform names. What it could miss (a volume or network the
 * platform made under another name) is caught by the second check: every network and volume the
 * platform's containers used while up must be gone after the destroy.
 */
function platformObjects() {
    const ours = (name: string) => name.startsWith("mhylle-") || APPS.some((a) => name.startsWith(`${a.name}-`)) || [POSTGRES_VOLUME, CERTBOT_VOLUME].includes(name);
    const labelled = lines("ps", "-aq", "--no-trunc", "--filter", `label=${PLATFORM_LABEL}`);
    return {
        containers: lines("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}").filter((l) => ours(l.split(" ")[1]) || labelled.includes(l.split(" ")[0])).sort(),
        networks: lines("network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}").filter((l) => ours(l.split(" ")[1])).sort(),
        volumes: lines("volume", "ls", "--format", "{{.Name}}").filter(ours).sort(),
    };
}
let atStart: ReturnType<typeof platformObjects>;
/** Every network and volume on the engine before the up: the platform made none of these. */
let existing: { networks: string[]; volumes: string[] } = { networks: [], volumes: [] };
/** Networks and volumes (named or anonymous) the platform's containers used while it was up. */
let used: { networks: string[]; volumes: string[] } = { networks: [], volumes: [] };

async function get(p: string, init: RequestInit = {}) {
    const r = await fetch(base + p, { ...init, redirect: "manual" });
    return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text(), location: r.headers.get("location") };
}

describe("the local stack as shipped", { skip, timeout: 1_500_000 }, () => {
    before(() => {
        // A clean slate first, as the scenario run takes one (tools/e2e/scenario.ts): what an earlier
        // run on this engine left (killed, or failed before its teardown) is not this run's to judge.
        e2e("--down");
        atStart = platformObjects();
        existing = { networks: lines("network", "ls", "-q", "--no-trunc"), volumes: lines("volume", "ls", "-q") };
        const up = e2e("--keep");
        assert.equal(up.status, 0, up.stderr.slice(-3000));
        base = lastJsonLine<{ url: string }>(up.stdout).url;
        const running = lines("ps", "-q", "--filter", `label=${PLATFORM_LABEL}`);
        const inspected: { NetworkSettings: { Networks: Record<string, { NetworkID: string }> }; Mounts: { Type: string; Name?: string }[] }[] = JSON.parse(docker("inspect", ...running));
        used = {
            networks: [...new Set(inspected.flatMap((c) => Object.values(c.NetworkSettings.Networks).map((n) => n.NetworkID)))],
            volumes: [...new Set(inspected.flatMap((c) => c.Mounts.filter((m) => m.Type === "volume").map((m) => m.Name!)))],
        };
        // Only this test's requests go to the local platform's bootstrap (self-signed) certificate.
        process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    }, { timeout: 1_200_000 });

    after(() => {
        delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    });

    test("it answers on https://127.0.0.1:8443, and plain HTTP redirects there", async () => {
        assert.equal(base, "https://127.0.0.1:8443");
        assert.equal((await get("/health")).status, 200);
        const plain = await fetch("http://127.0.0.1:8080/app1/", { redirect: "manual" });
        assert.equal(plain.status, 301);
        assert.equal(plain.headers.get("location"), "https://127.0.0.1:8443/app1/");
    });

    for (const app of ["app1", "app2"]) {
        test(`${app}: the demo page and its script and style answer`, async () => {
            const page = await get(`/${app}/`);
            assert.equal(page.status, 200);
            assert.match(page.type, /^text\/html/);
            assert.match(page.body, new RegExp(`<script src="/${app}/app\\.js" defer>`));
            for (const file of ["app.js", "style.css", "info.json"]) assert.equal((await get(`/${app}/${file}`)).status, 200, file);
        });
        test(`${app}: the backend answers with its release and counts visits in its own database`, async () => {
            const info = JSON.parse((await get(`/api/${app}/info`)).body);
            assert.equal(info.app, app);
            assert.match(info.release, /^sha256:[0-9a-f]{64}$/, "the image built from demo/backend, released by its ID");
            assert.match(info.instance, new RegExp(`^${app}-backend-[0-9a-f]{10}$`));
            assert.equal(info.db.connected, true);
            const first = JSON.parse((await get(`/api/${app}/items`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).body);
            const second = JSON.parse((await get(`/api/${app}/items`)).body);
            assert.equal(second.db.visits, first.db.visits + 1);
        });
    }

    test("each release runs the image built from the repository's Dockerfile", () => {
        // The same build again, with the arguments tools/e2e.ts gave the engine (the local base
        // image when there is one): from the build cache, it gives the very image ID the running
        // containers must have.
        const extra: Record<string, string> = process.env.PLATFORM_BUILD_ARGS
            ? JSON.parse(process.env.PLATFORM_BUILD_ARGS)
            : spawnSync("docker", ["image", "inspect", "local/node-npm:bookworm"]).status === 0 ? { BASE_IMAGE: "local/node-npm:bookworm" } : {};
        for (const app of APPS) {
            for (const kind of ["frontend", "backend"] as const) {
                const b = app[kind].build;
                const args = Object.entries({ ...(b.args ?? {}), ...extra }).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
                const built = docker("build", "-q", "-f", path.join(ROOT, b.context, b.dockerfile), ...args, path.join(ROOT, b.context));
                const serving = lines("ps", "-q", "--filter", `label=${PLATFORM_LABEL}=app:${app.name}:${kind}`);
                assert.equal(serving.length, 1, `${app.name} ${kind}: ${serving.length} containers`);
                assert.equal(docker("inspect", "-f", "{{.Image}}", serving[0]), built, `${app.name} ${kind} runs another image than its Dockerfile builds`);
            }
        }
    });

    test("a destroy removes everything it made: containers, networks, volumes, the data folder", () => {
        const r = e2e("--down");
        down = lastJsonLine(r.stdout);
        assert.equal(r.status, 0, r.stderr.slice(-2000));
        assert.equal(down!.ok, true, down!.error);
        assert.deepEqual(down!.leftovers, { containers: [], networks: [], volumes: [], dataFolder: false });
        // Measured on the engine, not by the tool's own list: what carries the platform's names is
        // as it was before the up, and nothing the platform's containers used is left.
        assert.deepEqual(platformObjects(), atStart);
        assert.ok(used.networks.length > 0 && used.volumes.length > 0, `nothing recorded as used: ${JSON.stringify(used)}`);
        const networksNow = lines("network", "ls", "-q", "--no-trunc");
        const volumesNow = lines("volume", "ls", "-q");
        assert.deepEqual(used.networks.filter((n) => networksNow.includes(n) && !existing.networks.includes(n)), [], "networks left");
        assert.deepEqual(used.volumes.filter((v) => volumesNow.includes(v) && !existing.volumes.includes(v)), [], "volumes left");
    });
});
