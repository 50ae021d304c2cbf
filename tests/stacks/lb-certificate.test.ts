// The load balancer's Let's Encrypt certificate under mocks: Scaleway's provider reports a failed
// validation as a created certificate with status "error" (a warning only: docs/engine-notes.md 9).
// Such a certificate must never reach the HTTPS frontend, and the run must fail naming the
// certificate and the DNS fix; a "ready" one is the control.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const CERT = "scaleway:loadbalancers/certificate:Certificate";
const FRONTEND = "scaleway:loadbalancers/frontend:Frontend";

interface Run {
    readonly status: number | null;
    /** Every frontend registration: name and certificateIds. */
    readonly frontends: { name: string; certificateIds?: unknown }[];
    /** The error the program failed with, if any. */
    readonly error?: string;
}

/** The fleet stack with one more alias (a replaced certificate), the certificate's status as Scaleway reports it. */
function up(status: "ready" | "error"): Run {
    const code = `
        const { record } = require("./tools/record");
        const { prodConfig } = require("./tests/support/program");
        const seen = [];
        const report = (error) => { console.log(JSON.stringify({ frontends: seen, error })); process.exit(error ? 3 : 0); };
        process.on("unhandledRejection", (e) => report(String(e && e.message || e)));
        process.on("uncaughtException", (e) => report(String(e && e.message || e)));
        process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
        const raw = prodConfig();
        raw.server = { ...raw.server, count: 2 };
        raw.database = { ...raw.database, managed: { enabled: true } };
        raw.aliases = [...(raw.aliases ?? []), "new.mhylle.com"];
        const outputs = (type, name, inputs) => {
            if (type === ${JSON.stringify(FRONTEND)}) seen.push({ name, certificateIds: inputs.certificateIds });
            return type === ${JSON.stringify(CERT)} ? { status: ${JSON.stringify(status)} } : undefined;
        };
        const { program } = require("./stacks/program");
        record(raw, () => program(), { secrets: { sshPrivateKey: "test-private-key" }, outputs })
            .then(() => new Promise((r) => setTimeout(r, 200)))
            .then(() => report(undefined), (e) => report(String(e && e.message || e)));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8" });
    const last = r.stdout.trim().split("\n").pop() ?? "";
    assert.ok(last.startsWith("{"), `no report: ${r.stdout}\n${r.stderr}`);
    return { status: r.status, ...JSON.parse(last) };
}

let failed: Run;
let ready: Run;
before(() => {
    failed = up("error");
    ready = up("ready");
});

test("control: a ready certificate reaches the HTTPS frontend and the run succeeds", () => {
    assert.equal(ready.error, undefined);
    assert.equal(ready.status, 0);
    assert.deepEqual(ready.frontends.find((f) => f.name === "load-balancer-https")?.certificateIds, ["load-balancer-certificate-id"]);
});

test("a certificate in status error never reaches a frontend: the HTTPS frontend is not updated", () => {
    assert.ok(failed.frontends.some((f) => f.name === "load-balancer-http"), "the program ran as far as the frontends");
    for (const f of failed.frontends) assert.ok(!JSON.stringify(f.certificateIds ?? []).includes("load-balancer-certificate-id"), `${f.name} lists the failed certificate`);
    assert.equal(failed.frontends.find((f) => f.name === "load-balancer-https"), undefined, "the HTTPS frontend was registered");
});

test("the run fails, naming the certificate, its status and the DNS fix", () => {
    assert.notEqual(failed.status, 0);
    assert.match(failed.error ?? "", /Let's Encrypt certificate for mhylle\.com, www\.mhylle\.com, new\.mhylle\.com is "error", not "ready"/);
    assert.match(failed.error ?? "", /new\.mhylle\.com\. A 51\.159\.26\.100/);
    assert.match(failed.error ?? "", /pulumi up --replace 'urn:pulumi:render::[^']*scaleway:loadbalancers\/certificate:Certificate::load-balancer-certificate'/);
});
