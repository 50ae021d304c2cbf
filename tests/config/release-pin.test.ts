// Recording a release rewrites one line of the stack file and nothing else: the file stays the
// one people review in pull requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pinImage } from "../../config/release-pin";

const ROOT = path.resolve(__dirname, "../..");
const IMAGE = `ghcr.io/mhylle/app2-frontend@sha256:${"ab".repeat(32)}`;

// Stacks whose apps come from a registry (the local stack builds its demo apps from source).
const withImages = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f) && /^\s+image: /m.test(fs.readFileSync(path.join(ROOT, f), "utf8")));

test("some shipped stack takes releases by digest", () => assert.ok(withImages.includes("Pulumi.prod.yaml"), withImages.join(", ")));

test("a service built from source is not pinned: that release is a change of its build", () => {
    assert.throws(() => pinImage(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8"), "app2", "frontend", IMAGE), /app2's frontend is built from source/);
});

for (const file of withImages) {
    test(`${file}: pinning app2's frontend changes exactly that line`, () => {
        const before = fs.readFileSync(path.join(ROOT, file), "utf8");
        const after = pinImage(before, "app2", "frontend", IMAGE);
        const a = before.split("\n");
        const b = after.split("\n");
        assert.equal(b.length, a.length);
        assert.deepEqual(b.filter((line, i) => line !== a[i]).map((l) => l.trim()), [`image: ${IMAGE}`]);
    });
}

test("a plain config file (no config: wrapper, no project prefix) is pinned too", () => {
    const text = "# comment kept\napps:\n  - name: app1\n    backend:\n      image: a/b:1 # old\n";
    assert.equal(pinImage(text, "app1", "backend", "a/b@sha256:" + "0".repeat(64)), `# comment kept\napps:\n  - name: app1\n    backend:\n      image: a/b@sha256:${"0".repeat(64)} # old\n`);
});

test("an app missing from the file is an error, not a silent no-op", () => {
    assert.throws(() => pinImage("config:\n  mhylle-platform:apps: []\n", "app1", "backend", IMAGE), /app app1 is not in the stack file/);
    assert.throws(() => pinImage("config: {}\n", "app1", "backend", IMAGE), /no apps list/);
});
