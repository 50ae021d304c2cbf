// The throwaway containers the drill and the restores start hold a copy of every app's data and
// mount the cipher passphrase: restoring from the server's own repository (repo1) they get no
// network at all; from the bucket (repo2) they keep the network they need. pitr.sh's functions run
// in bash with a `docker` on PATH that records its arguments.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { PITR_SCRIPT } from "../../../render/backup/pitr-jobs";

/** The `docker run` argument lists pb_restore and scratch_start pass after `use_repo REPO`. */
function runs(repo: string, repos: string): string[][] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitr-network-"));
    try {
        const log = path.join(dir, "calls");
        fs.writeFileSync(path.join(dir, "docker"), `#!/bin/bash\nprintf '%s\\n' "$@" >>${JSON.stringify(log)}\necho --- >>${JSON.stringify(log)}\n`, { mode: 0o755 });
        const script = `repos=${JSON.stringify(repos)}; conf=/c; repo_volume=rv; stanza=s; pgdata=/p; image=img
source ${JSON.stringify(PITR_SCRIPT)}
use_repo ${JSON.stringify(repo)}
pb_restore vol --repo=${repo || 1}
scratch_start name vol`;
        const r = spawnSync("bash", ["-c", script], {
            env: { PATH: `${dir}:${process.env.PATH}`, PLATFORM_PITR_DOCKER_ARGS: "--network lab-net --add-host s3.example:10.0.0.1 -v /ca.crt:/etc/ca.crt:ro" },
            encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        return fs.readFileSync(log, "utf8").split("---\n").filter(Boolean).map((c) => c.trim().split("\n"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
const networks = (args: string[]) => args.flatMap((a, i) => (a === "--network" ? [args[i + 1]] : []));

test("from repo1 the restore and the scratch PostgreSQL run with --network none, keeping the other arguments", () => {
    for (const [repo, repos] of [["1", "1 2"], ["", "1"]]) {
        const calls = runs(repo, repos);
        assert.equal(calls.length, 2);
        for (const args of calls) {
            assert.deepEqual(networks(args), ["none"], `repo "${repo}" of "${repos}": ${args.join(" ")}`);
            assert.ok(args.includes("/ca.crt:/etc/ca.crt:ro"), args.join(" "));
        }
    }
});

test("from the bucket (repo2, or no repo named with both) they keep the network they reach it by", () => {
    for (const [repo, repos] of [["2", "1 2"], ["", "1 2"]]) {
        for (const args of runs(repo, repos)) assert.deepEqual(networks(args), ["lab-net"], args.join(" "));
    }
});
