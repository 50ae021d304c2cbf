// The server is never replaced by `pulumi up`: a config change that would replace it (a new image,
// a bigger local-SSD root volume) is ignored, and says so, naming the rebuild runbook. The engine
// reads the instance's current state at preview, which the mock stands in for here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { record } from "../../tools/record";
import { prodConfig } from "../support/prod-stack";

async function warningsWith(state: Record<string, unknown>): Promise<string[]> {
    const seen: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
        seen.push(String(chunk));
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
    try {
        const { program } = await import("../../stacks/program");
        await record(prodConfig(), () => program(), { secrets: { sshPrivateKey: "k" }, outputs: (type) => (type === "scaleway:instance/server:Server" ? state : undefined) });
        await new Promise((r) => setTimeout(r, 200));
    } finally {
        (process.stderr as { write: unknown }).write = write;
    }
    return seen.filter((l) => /server\.(image|rootVolumeGb)/.test(l));
}

test("an instance on another image or root volume than config: a warning naming the runbook, no replacement", async () => {
    const [warning] = await warningsWith({ image: "ubuntu_jammy", rootVolume: { sizeInGb: 20 } });
    assert.match(warning ?? "", /server\.image ubuntu_jammy -> ubuntu_noble, server\.rootVolumeGb 20 -> 40: not applied, the server is never replaced by `pulumi up`/);
    assert.match(warning ?? "", /docs\/runbooks\/rebuild-the-server\.md/);
});

test("an instance that matches config: no warning", async () => {
    assert.deepEqual(await warningsWith({ image: "ubuntu_noble", rootVolume: { sizeInGb: 40 } }), []);
});
