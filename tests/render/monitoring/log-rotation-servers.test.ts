// Which nginx the production log rotation acts on: the running nginx container found by its
// label (its name changes with every image, components/proxy.ts), never the holder mhylle-nginx,
// which has no logs; and none while an image change runs two (the other nginx would write into
// the archive being compressed). A fake docker records the calls; the rotation itself on a real
// nginx: log-rotation.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rotateNginxLogsScript } from "../../../render/monitoring/logs";
import { productionTargets } from "../../../render/backup/layout";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();

function rotateWith(servers: string[]) {
    const dir = tmp(path.join(os.tmpdir(), "rotate-servers-"));
    const bin = path.join(dir, "bin");
    const calls = path.join(dir, "calls");
    fs.mkdirSync(bin);
    fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/bash
echo "$*" >>'${calls}'
case "$1" in
  ps) [ "$*" = 'ps --filter label=com.mhylle.platform=proxy --format {{.Names}}' ] || exit 99; printf '%s\\n' ${servers.map((s) => `'${s}'`).join(" ")} ;;
  inspect) for s in ${servers.map((s) => `'${s}'`).join(" ")}; do [ "\${*: -1}" = "$s" ] && echo true; done; exit 0 ;;
  exec) cat >/dev/null; echo "nothing to rotate" ;;
  *) exit 99 ;;
esac
`,
        { mode: 0o755 },
    );
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, PLATFORM_ROOT: dir };
    const r = spawnSync("bash", ["-c", rotateNginxLogsScript(productionTargets("/opt/platform"), 7)], { encoding: "utf8", env, timeout: 30_000 });
    return { ...r, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [] };
}

test("rotates inside the one running nginx container, found by its label", () => {
    const r = rotateWith(["mhylle-nginx-server-aaa"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.calls.some((c) => c.startsWith("exec -i mhylle-nginx-server-aaa sh -s")), r.calls.join("\n"));
    assert.ok(!r.calls.some((c) => / mhylle-nginx( |$)/.test(c)), `the holder was addressed: ${r.calls.join("\n")}`);
});

test("while two nginx run (an image change), rotates nothing and succeeds, saying why", () => {
    const r = rotateWith(["mhylle-nginx-server-aaa", "mhylle-nginx-server-bbb"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /two nginx are running/);
    assert.ok(!r.calls.some((c) => c.startsWith("exec")), r.calls.join("\n"));
});

test("with no nginx running, fails naming it, touching nothing", () => {
    const r = rotateWith([]);
    assert.equal(r.status, 1);
    assert.ok(!r.calls.some((c) => c.startsWith("exec")), r.calls.join("\n"));
});
