// The battery renders in one process through renderConfigFile; these runs prove the process around
// it: `npm run render` prints exactly those lines on stderr, exits 2, and writes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderStack } from "../support/render";
import { tempDirs } from "../support/tmp";
import { renderConfigFile } from "../../tools/render";
import { prodShipsAccess, shippedProdStackFile } from "../support/prod-stack";

const tmp = tempDirs();

/** Runs the CLI on a stack file's text and the in-process render on the same file. */
async function both(text: string) {
    const dir = tmp(path.join(os.tmpdir(), "render-cli-"));
    const file = path.join(dir, "Pulumi.battery.yaml");
    fs.writeFileSync(file, text);
    const cli = renderStack(["--config", file]);
    const inProcess = await renderConfigFile(file, path.join(dir, "out"), { displayName: file });
    return { cli, inProcess, file };
}

test("a bad stack file: exit 2, one FILE: PROBLEM (line N) line, the same as the battery sees, nothing written", async () => {
    const { cli, inProcess, file } = await both("config:\n  mhylle-platform:target: local\n  mhylle-platform:target: scaleway\n");
    assert.equal(cli.status, 2, cli.stderr);
    assert.deepEqual(cli.stderr.trim().split("\n"), [`${file}: has the key "mhylle-platform:target" twice in one mapping; keep one (the second would silently win) (line 3)`]);
    assert.deepEqual(cli.stderr.trim().split("\n"), inProcess.problems);
    assert.equal(fs.existsSync(path.join(cli.out, "resources.json")), false);
});

test("bad config: exit 2, FIELD: PROBLEM (got VALUE) lines, the same as the battery sees, no stack trace", async () => {
    const { cli, inProcess } = await both(
        "config:\n  mhylle-platform:apps:\n    - name: pg-monitor\n      frontend: { image: a/f:1, user: '0:0' }\n      backend: { image: a/b:1 }\n",
    );
    assert.equal(cli.status, 2, cli.stderr);
    const lines = cli.stderr.trim().split("\n");
    assert.deepEqual(lines, inProcess.problems);
    assert.deepEqual(lines, ["apps[0].frontend.user: runs the container as root (uid 0); app containers never run as root: use a non-root uid such as 10001:10001 (got \"0:0\")"]);
    assert.doesNotMatch(cli.stderr, /\bat .*\.ts:\d+/);
});

// The shipped file names what to set; a fork's copy is tested without the values it set.
test("the shipped Pulumi.prod.yaml: exit 2 naming the two values a user sets, with the commands that set them", () => {
    if (process.env.CI) assert.equal(prodShipsAccess(), false, "Pulumi.prod.yaml ships access values");
    const r = renderStack(["--config", shippedProdStackFile(tmp(path.join(os.tmpdir(), "render-cli-")))]);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.deepEqual(lines.map((l) => l.split(":")[0]), ["server.adminCidrs", "server.sshPublicKey"]);
    assert.match(lines[0], /pulumi config set --path 'server\.adminCidrs\[0\]' "\$\(curl -s https:\/\/api\.ipify\.org\)\/32" \(got \[\]\)$/);
    assert.match(lines[1], /ssh-keygen -t ed25519 .* pulumi config set --path server\.sshPublicKey "\$\(cat ~\/\.ssh\/mhylle_deploy\.pub\)" \(got nothing\)$/);
});
