// The nginx pod after Docker starts containers again (render/nginx/pod-repair.ts), on real
// containers: a holder publishing a port and an nginx server in its namespace, as the platform
// runs them. What a reboot or a Docker restart does to them, reproduced without restarting Docker:
//   - the server started while the holder is not running fails, with the error Docker records
//     then ("cannot join network of a non running container"), and stays down;
//   - the holder restarted alone leaves the running server in its old namespace: the published
//     port answers nothing.
// The job brings both back; a server stopped on purpose stays stopped.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { needsImages } from "../../support/requirements";
import { docker, request } from "../../support/containers";
import { freePort } from "../../support/ports";
import { podRepairScript } from "../../../render/nginx/pod-repair";

const IMAGE = "local/nginx:1.30";
const skip = needsImages(IMAGE);
const id = `npr-${randomBytes(3).toString("hex")}`;
const LABEL = `${id}.role=nginx`;
const names = { holder: `${id}-holder`, server: `${id}-server`, stopped: `${id}-stopped` };
let port = 0;

const repair = () => spawnSync("bash", ["-c", podRepairScript(names.holder, LABEL)], { encoding: "utf8", timeout: 120_000 });
const status = async (name: string) => (await docker(["inspect", "-f", "{{.State.Status}}", name], { allowFail: true })).stdout.trim();
/** The published port answers (through the holder's namespace, so only from a server in it). */
async function answers(): Promise<boolean> {
    for (let i = 0; i < 40; i++) {
        const r = await request(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 }).catch(() => undefined);
        if (r && r.status === 200) return true;
        await new Promise((res) => setTimeout(res, 250));
    }
    return false;
}
const server = (name: string) =>
    docker(["run", "-d", "--name", name, "--label", LABEL, "--network", `container:${names.holder}`, "--restart", "unless-stopped", "--stop-signal", "SIGQUIT", IMAGE]);

describe("the nginx pod brought back after Docker starts its containers again", { skip }, () => {
    before(async () => {
        port = await freePort();
        await docker(["run", "-d", "--name", names.holder, "--init", "--restart", "unless-stopped", "-p", `127.0.0.1:${port}:80`, IMAGE, "sleep", "infinity"]);
        await server(names.server);
        assert.ok(await answers(), "the pod serves before");
    });
    after(async () => void (await docker(["rm", "-f", names.server, names.stopped, names.holder], { allowFail: true })));

    test("a server Docker started before the holder is started; one stopped on purpose is not", async () => {
        await server(names.stopped);
        await docker(["stop", names.stopped]);
        await docker(["stop", names.server]);
        await docker(["stop", names.holder]);
        const failed = await docker(["start", names.server], { allowFail: true });
        assert.match(failed.stderr, /cannot join network of a non running container/);
        await docker(["start", names.holder]);
        assert.equal(await status(names.server), "exited");
        assert.equal(await answers(), false, "nothing serves until the server runs");
        const r = repair();
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /starting .*-server: Docker started it before/);
        assert.equal(await status(names.server), "running");
        assert.equal(await status(names.stopped), "exited");
        assert.ok(await answers(), "the pod serves again");
    });

    test("a server left in the namespace of a holder that restarted alone is restarted into the new one", async () => {
        await docker(["restart", names.holder]);
        assert.equal(await answers(), false, "the published port reaches no server");
        const r = repair();
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /restarting .*-server: it runs in the namespace/);
        assert.ok(await answers(), "the pod serves again");
        const again = repair();
        assert.equal(again.stdout, "", "nothing to do once the pod is whole");
    });
});
