// Going from one server to several (docs/runbooks/add-a-server.md), read as a reviewer would: the
// combinations of loadBalancer.phase with other fields that would take the site down, each refused
// by validation naming the field, the value and the fix; and what the program builds for them.
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import assert from "node:assert/strict";
import { problems, refuses } from "../support/config-problems";
import { prodConfig } from "../support/program";

const ROOT = path.resolve(__dirname, "../..");

/** prod's config with the managed database, `count` servers, and the load balancer's fields. */
function config(count: number, loadBalancer: Record<string, unknown>): Record<string, unknown> {
    const raw = prodConfig();
    return { ...raw, server: { ...(raw.server as object), count }, database: { ...(raw.database as object), managed: { enabled: true } }, loadBalancer };
}

test("letsEncrypt false while server 1 still serves the internet is refused: the load balancer would serve no HTTPS to browsers that saw server 1's HSTS", () => {
    // Server 1 alone serves HTTPS with HSTS (two years, render/nginx/headers.ts); from phase
    // certificate on the load balancer, where DNS points, would have no port 443 at all.
    for (const phase of ["dns", "certificate"]) refuses(config(2, { phase, letsEncrypt: false }), "loadBalancer.letsEncrypt", /^loadBalancer\.letsEncrypt: is false .*HSTS.*set loadBalancer\.letsEncrypt: true .*docs\/runbooks\/add-a-server\.md\) \(got false\)$/);
    // Controls: the move with the certificate, and several servers made without one (no server ever served HTTPS alone).
    assert.deepEqual(problems(config(2, { phase: "dns" })), []);
    assert.deepEqual(problems(config(2, { phase: "certificate" })), []);
    assert.deepEqual(problems(config(2, { phase: "done", letsEncrypt: false })), []);
});

/**
 * The stack outputs the Node SDK would send after an `up` of prod's config with the managed
 * database and `server`/`loadBalancer` as given, the last `up` having exported `previous` as
 * `servers`; `fail` names a resource whose registration fails, `certificate` the status Scaleway
 * reports. The SDK's Stack serializes the whole object at once when every value resolves
 * (`serializeProperties`, as `registerResourceOutputs` does), and the engine keeps what it was sent
 * even when the `up` fails (docs/engine-notes.md section 26).
 */
function outputsSent(o: { server: object; loadBalancer?: object; previous: object; certificate?: "ready" | "error"; fail?: string }): { sent?: { servers?: unknown; nextStep?: string }; failed?: string } {
    const code = `
        const { record } = require("./tools/record");
        const { prodConfig } = require("./tests/support/program");
        const { serializeProperties } = require("@pulumi/pulumi/runtime/rpc");
        let failed;
        process.on("unhandledRejection", (e) => { failed = String((e && e.message) || e); });
        process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
        const o = ${JSON.stringify(o)};
        const raw = prodConfig();
        raw.server = { ...raw.server, ...o.server };
        raw.database = { ...raw.database, managed: { enabled: true } };
        if (o.loadBalancer) raw.loadBalancer = o.loadBalancer;
        const outputs = (type, name) => {
            if (name === o.fail) throw new Error("the provider failed " + name);
            if (type === "pulumi:pulumi:StackReference") return { outputs: { servers: o.previous }, secretOutputNames: [] };
            return type === "scaleway:loadbalancers/certificate:Certificate" ? { status: o.certificate || "ready" } : undefined;
        };
        const { program } = require("./stacks/program");
        // Not sent: the value never settles (what a failed resource's ID does) or is refused. Either
        // way the report comes when nothing is left to run, as the real program then exits.
        let report = {};
        process.on("beforeExit", () => { console.log(JSON.stringify({ ...report, failed })); process.exit(0); });
        // As the SDK's Stack does: what the program returned, serialized as soon as it returns.
        const serialize = (result) => serializeProperties("stack outputs", result).then((sent) => { report = { sent }; }, (e) => { report = { refused: String((e && e.message) || e) }; });
        record(raw, () => program().then((result) => (serialize(result), result)), { outputs }).catch(() => {});`;
    // A safety bound only: the program's run takes seconds.
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8", timeout: 180_000, maxBuffer: 64 << 20 });
    const last = r.stdout.trim().split("\n").pop() ?? "";
    assert.ok(last.startsWith("{"), `no report: ${r.stdout}\n${r.stderr}`);
    return JSON.parse(last);
}

test("a phase certificate up whose certificate failed leaves the last up's servers and nextStep: phase done stays refused", () => {
    const phaseCertificate = { server: { count: 2 }, loadBalancer: { phase: "certificate" }, previous: { count: 2, retired: [], phase: "dns" } };
    const ready = outputsSent({ ...phaseCertificate, certificate: "ready" });
    assert.equal(ready.failed, undefined, "control: the run succeeds");
    assert.deepEqual(ready.sent?.servers, { count: 2, retired: [], phase: "certificate" }, "control: a ready certificate's up records phase certificate");
    assert.match(ready.sent?.nextStep ?? "", /set loadBalancer\.phase: done/);

    const failed = outputsSent({ ...phaseCertificate, certificate: "error" });
    assert.match(failed.failed ?? "", /is "error", not "ready"/, "the run fails on the certificate");
    // Sent, these outputs would be kept by the engine: the next up would read phase certificate and
    // accept phase done, closing server 1's 80/443 while 443 still passes through to it.
    assert.equal(failed.sent, undefined, `outputs sent for a failed certificate: ${JSON.stringify(failed.sent)}`);
});

test("a retire step whose pool update failed leaves the last up's servers: the lower count stays refused", () => {
    // docs/runbooks/remove-a-server.md: server 3 must be out of the pool before its platform goes.
    const step = { server: { count: 3, retire: [3] }, previous: { count: 3, retired: [] } };
    const ok = outputsSent(step);
    assert.equal(ok.failed, undefined, "control: the run succeeds");
    assert.deepEqual(ok.sent?.servers, { count: 3, retired: [3] }, "control: the retire step records server 3");
    const failed = outputsSent({ ...step, fail: "load-balancer-servers" });
    assert.match(failed.failed ?? "", /the provider failed load-balancer-servers/, "the run fails on the pool");
    assert.equal(failed.sent, undefined, `outputs sent with server 3 still in the pool: ${JSON.stringify(failed.sent)}`);
});

test("an ordinary up that failed at the load balancer still records its server count: going back down stays refused until retired", () => {
    // Server 3 exists after this failed up; a lower count would delete its platform and then fail on
    // its protected IP and instance (docs/runbooks/remove-a-server.md).
    const failed = outputsSent({ server: { count: 3 }, previous: { count: 2, retired: [] }, fail: "load-balancer-servers" });
    assert.match(failed.failed ?? "", /the provider failed load-balancer-servers/, "the run fails on the pool");
    assert.deepEqual(failed.sent?.servers, { count: 3, retired: [] });
});

/** Everything the load balancer's servers backend waits for (dependsOn and inputs, transitively), in an up of `count` servers, phase `phase`. */
function backendWaitsFor(count: number, phase: string, previous: object): string[] {
    const code = `
        const { record } = require("./tools/record");
        const { prodConfig } = require("./tests/support/program");
        (async () => {
            process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
            const raw = prodConfig();
            raw.server = { ...raw.server, count: ${count} };
            raw.database = { ...raw.database, managed: { enabled: true } };
            raw.loadBalancer = { phase: ${JSON.stringify(phase)} };
            const previous = ${JSON.stringify(previous)};
            const { program } = require("./stacks/program");
            const { resources } = await record(raw, () => program(), { outputs: (type) => (type === "pulumi:pulumi:StackReference" ? { outputs: { servers: previous }, secretOutputNames: [] } : undefined) });
            const byName = new Map(resources.map((r) => [r.name, r]));
            const seen = new Set();
            const walk = (name) => {
                const r = byName.get(name);
                if (!r) return;
                for (const d of [...r.options.dependsOn, ...Object.values(r.options.propertyDependencies || {}).flat()]) if (!seen.has(d)) (seen.add(d), walk(d));
            };
            walk("load-balancer-servers");
            console.log(JSON.stringify([...seen]));
        })();`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8", timeout: 180_000, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("a server joins the load balancer's pool only once its nginx answers, not only its holder: server 1 at phase done, server 2 at phase dns", () => {
    // At phase done server 1's nginx is replaced (private listener only) in the same up that adds it to the pool.
    const done = backendWaitsFor(2, "done", { count: 2, retired: [], phase: "certificate" });
    assert.ok(done.includes("mhylle-nginx"), "control: the holder is waited for");
    for (const ready of ["mhylle-nginx-server-ready", "mhylle-nginx-server-ready-s2"]) assert.ok(done.includes(ready), `the pool does not wait for ${ready}`);
    const dns = backendWaitsFor(2, "dns", { count: 1, retired: [] });
    assert.ok(dns.includes("mhylle-nginx-server-ready-s2"), "the pool does not wait for server 2's nginx");
});
