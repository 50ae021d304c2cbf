// Going from one server to two (docs/runbooks/add-a-server.md): each phase planned by the engine
// double against the state the previous phase's `up` left. Until DNS has moved and the load
// balancer's own certificate has served, server 1 keeps its public 80/443 (security group and
// nginx's published ports) and serves the site, directly and passed through the load balancer; no
// load balancer certificate exists before phase `certificate`; the `nextStep` output names the step
// and the load balancer's address. One step from one server to two is refused before any resource.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { plan, State } from "../../tools/e2e/engine";
import type { RecordedResource } from "../../tools/record";

const ROOT = path.resolve(__dirname, "../..");
const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const CERTIFICATE = "scaleway:loadbalancers/certificate:Certificate";
const FRONTEND = "scaleway:loadbalancers/frontend:Frontend";
const LB_IP = "51.159.26.100"; // tools/mock-outputs.ts: the load balancer's IP

interface Run {
    readonly resources: RecordedResource[];
    readonly servers?: { count: number; retired: number[]; phase?: string };
    readonly nextStep?: string;
    readonly error?: string;
}

/** The program on prod's config with the managed database, `count` servers and `phase`, the last `up` having exported `previous` as `servers`. */
function run(count: number, phase: string | undefined, previous: unknown): Run {
    const code = `
        const pulumi = require("@pulumi/pulumi");
        const { record, reveal } = require("./tools/record");
        const { prodConfig } = require("./tests/support/program");
        (async () => {
            process.env.SSH_AUTH_SOCK = "/run/test-agent.sock";
            const raw = prodConfig();
            raw.server = { ...raw.server, count: ${count} };
            raw.database = { ...raw.database, managed: { enabled: true } };
            ${phase ? `raw.loadBalancer = { ...(raw.loadBalancer || {}), phase: ${JSON.stringify(phase)} };` : ""}
            const previous = ${JSON.stringify(previous ?? null)};
            const { program } = require("./stacks/program");
            let error;
            const { resources, result } = await record(raw, () => program().catch((e) => { error = e.message; }), {
                outputs: (type) => (type === "${STACK_REFERENCE}" && previous ? { outputs: { servers: previous }, secretOutputNames: [] } : undefined),
            });
            const nextStep = result && result.nextStep ? await new Promise((resolve) => result.nextStep.apply(resolve)) : undefined;
            // An output once the load balancer serves (stacks/program.ts).
            const servers = result && result.servers ? await new Promise((resolve) => pulumi.output(result.servers).apply(resolve)) : undefined;
            const out = resources.map((r) => ({ ...r, inputs: reveal(r.inputs) }));
            console.log(JSON.stringify({ resources: out, servers, nextStep, error }));
        })();`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** The state an `up` of these resources leaves. */
const stateOf = (resources: RecordedResource[]): State =>
    Object.fromEntries(
        resources.filter((r) => r.custom && r.type !== STACK_REFERENCE).map((r) => [r.key, { type: r.type, inputs: r.inputs, dependsOn: [], propertyDependencies: {}, protect: r.options.protect, retainOnDelete: r.options.retainOnDelete }]),
    );

const byName = (run: Run, name: string) => {
    const r = run.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r!;
};
const opOf = (state: State, run: Run, name: string) => {
    const r = byName(run, name);
    return plan(r, r.inputs, state[r.key]).op;
};
/** The web ports the firewall opens to the internet. */
const webRules = (run: Run) =>
    ((byName(run, "server-firewall").inputs.inboundRules as { port: number; ipRange: string }[]) ?? [])
        .filter((r) => r.port === 80 || r.port === 443)
        .map((r) => `${r.port} ${r.ipRange}`)
        .sort();
/** Server 1's nginx: its published ports as "ip:external->internal". */
const nginxPorts = (run: Run, name = "mhylle-nginx") =>
    ((byName(run, name).inputs.ports as { internal: number; external: number; ip?: string }[]) ?? []).map((p) => `${p.ip ?? "*"}:${p.external}->${p.internal}`).sort();
const privateIp = (run: Run, instance: string) => (byName(run, instance).state.privateIps as { address: string }[])[0].address;

const one = run(1, undefined, { count: 1, retired: [] });
const oneStep = run(2, undefined, { count: 1, retired: [] });
const dns = run(2, "dns", { count: 1, retired: [] });
const certificate = run(2, "certificate", dns.servers);
const skipped = run(2, "done", dns.servers);
const done = run(2, "done", certificate.servers);

const ALL_WEB = ["443 0.0.0.0/0", "443 ::/0", "80 0.0.0.0/0", "80 ::/0"];

test("from one server straight to two is refused before any resource is declared, naming loadBalancer.phase, the fix and the runbook", () => {
    assert.ok(oneStep.error, "the one-step move was not refused");
    const line = oneStep.error!.split("\n").find((l) => l.startsWith("loadBalancer.phase:"));
    assert.ok(line, oneStep.error);
    assert.match(line!, /^loadBalancer\.phase: is done but the stack has one server, .*close its ports 80 and 443 at once\. Set loadBalancer\.phase: dns .*docs\/runbooks\/add-a-server\.md \(got "done"\)$/);
    assert.deepEqual(oneStep.resources.filter((r) => !r.type.startsWith("pulumi:providers:")).map((r) => r.type), [STACK_REFERENCE]);
});

test("phase dns: server 1 keeps its public 80/443 (firewall and nginx unchanged), and the load balancer asks for no certificate", () => {
    assert.equal(dns.error, undefined);
    assert.deepEqual(webRules(one), ALL_WEB, "control: one server opens 80 and 443");
    const state = stateOf(one.resources);
    assert.deepEqual(webRules(dns), ALL_WEB);
    assert.equal(opOf(state, dns, "server-firewall"), "same");
    // nginx is neither replaced nor moved off its public ports, nor is its own certificate's job.
    assert.equal(opOf(state, dns, "mhylle-nginx"), "same");
    assert.deepEqual(nginxPorts(dns), nginxPorts(one));
    assert.ok(nginxPorts(dns).some((p) => p.endsWith(":443->443")), nginxPorts(dns).join(", "));
    assert.equal(opOf(state, dns, "certificates-issue"), "same");
    assert.deepEqual(dns.resources.filter((r) => r.type === CERTIFICATE), []);
    // Server 2 serves the load balancer only, on its private address.
    assert.deepEqual(nginxPorts(dns, "mhylle-nginx-s2"), [`${privateIp(dns, "server-s2-instance")}:8080->8080`]);
});

test("phase dns: the load balancer passes 80 and 443 through to server 1's nginx (TCP), and its servers' pool holds the new server only", () => {
    const server1 = privateIp(dns, "server-instance");
    for (const [fe, port] of [["load-balancer-https", 443], ["load-balancer-http", 80]] as const) {
        const frontend = byName(dns, fe);
        assert.equal(frontend.inputs.certificateIds, undefined, fe);
        // The mocks' ID of a backend is its name with -id (tools/record.ts mockId).
        const backend = byName(dns, `load-balancer-server1-${port}`);
        assert.equal(frontend.inputs.backendId, `${backend.name}-id`, fe);
        assert.deepEqual([backend.inputs.forwardProtocol, backend.inputs.forwardPort, backend.inputs.serverIps, backend.inputs.proxyProtocol], ["tcp", port, [server1], "none"], fe);
    }
    assert.deepEqual(byName(dns, "load-balancer-servers").inputs.serverIps, [privateIp(dns, "server-s2-instance")]);
});

test("phase dns: nextStep names the DNS records with the load balancer's address and the next phase; dnsRecords' address is the load balancer's", () => {
    assert.match(dns.nextStep!, new RegExp(`^point DNS at the load balancer \\(mhylle\\.com\\. A ${LB_IP.replace(/\./g, "\\.")}.*set loadBalancer\\.phase: certificate and run up \\(docs/runbooks/add-a-server\\.md\\)`));
    assert.deepEqual(dns.servers, { count: 2, retired: [], phase: "dns" });
});

test("phase certificate: the certificate is requested after port 80 is the load balancer's own; HTTPS moves to it over the new server; server 1 still open", () => {
    assert.equal(certificate.error, undefined);
    const state = stateOf(dns.resources);
    const [cert] = certificate.resources.filter((r) => r.type === CERTIFICATE);
    assert.ok(cert, "no certificate");
    assert.ok(cert.options.dependsOn.includes("load-balancer-http"), cert.options.dependsOn.join(", "));
    assert.ok((byName(certificate, "load-balancer-https").inputs.certificateIds as string[]).length === 1);
    // Both frontends leave the passthrough backends: replaced, delete first (backend_id is ForceNew).
    for (const fe of ["load-balancer-https", "load-balancer-http"]) {
        const r = byName(certificate, fe);
        assert.deepEqual([plan(r, r.inputs, state[r.key]).op, plan(r, r.inputs, state[r.key]).deleteBeforeReplace], ["replace", true], fe);
        assert.equal(byName(certificate, fe).inputs.backendId, "load-balancer-servers-id", fe);
    }
    assert.ok(!certificate.resources.some((r) => /server1-(80|443)$/.test(r.name)), "the passthrough backends stay");
    assert.deepEqual(webRules(certificate), ALL_WEB);
    assert.equal(opOf(state, certificate, "server-firewall"), "same");
    assert.equal(opOf(state, certificate, "mhylle-nginx"), "same");
    assert.match(certificate.nextStep!, /once the old records' TTL has passed, set loadBalancer\.phase: done and run up/);
});

test("from phase dns straight to done is refused: the old path would close in the up that first tries the certificate", () => {
    assert.match(skipped.error ?? "", /^loadBalancer\.phase: is done but the last up was phase dns: .*set loadBalancer\.phase: certificate first/m);
});

test("phase done: only now the firewall drops 80/443, server 1's nginx publishes only its private listener and joins the pool; the certificate stays", () => {
    assert.equal(done.error, undefined);
    const state = stateOf(certificate.resources);
    assert.deepEqual(webRules(done), []);
    assert.equal(opOf(state, done, "server-firewall"), "update");
    assert.deepEqual(nginxPorts(done), [`${privateIp(done, "server-instance")}:8080->8080`]);
    assert.equal(opOf(state, done, "mhylle-nginx"), "replace");
    assert.deepEqual(byName(done, "load-balancer-servers").inputs.serverIps, [privateIp(done, "server-instance"), privateIp(done, "server-s2-instance")]);
    const cert = done.resources.find((r) => r.type === CERTIFICATE)!;
    assert.equal(opOf(state, done, cert.name), "same");
    for (const fe of done.resources.filter((r) => r.type === FRONTEND)) assert.equal(opOf(state, done, fe.name), "same", fe.name);
    assert.match(done.nextStep!, /^nothing: 2 servers behind the load balancer/);
    assert.deepEqual(done.servers, { count: 2, retired: [] });
});

test("validation: a phase other than done needs several servers on Scaleway, and names the runbook", async () => {
    const { validateConfig } = await import("../../config/validate");
    const { ConfigError } = await import("../../config/problem");
    const { prodConfig } = await import("../support/program");
    const problems = (count: number, phase: string, target = "scaleway") => {
        const raw = prodConfig();
        try {
            validateConfig({ ...raw, target, server: { ...(raw.server as object), count }, database: { ...(raw.database as object), managed: { enabled: true } }, loadBalancer: { phase } });
            return [];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems.filter((p) => p.field === "loadBalancer.phase").map((p) => p.problem);
        }
    };
    assert.deepEqual(problems(2, "dns"), [], "control: two servers, phase dns");
    assert.deepEqual(problems(1, "done"), [], "control: one server, the default");
    assert.match(problems(1, "dns").join("\n"), /^is dns, .*needs target scaleway and server\.count above 1 .*docs\/runbooks\/add-a-server\.md/);
    assert.match(problems(1, "bogus").join("\n"), /dns|certificate|done/);
});

test("validation: phase dns needs nginx published on every address, so the load balancer reaches server 1 privately", async () => {
    const { validateConfig } = await import("../../config/validate");
    const { ConfigError } = await import("../../config/problem");
    const { prodConfig } = await import("../support/program");
    const raw = prodConfig();
    const cfg = { ...raw, server: { ...(raw.server as object), count: 2 }, database: { ...(raw.database as object), managed: { enabled: true } }, loadBalancer: { phase: "dns" } };
    assert.doesNotThrow(() => validateConfig(cfg), "control: the default 0.0.0.0");
    try {
        validateConfig({ ...cfg, proxy: { ...(raw.proxy as object), bindAddress: "51.159.168.239" } });
        assert.fail("accepted");
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        assert.match(err.problems.map((p) => `${p.field}: ${p.problem}`).join("\n"), /^proxy\.bindAddress: is 51\.159\.168\.239: in loadBalancer\.phase dns /m);
    }
});

/** `pulumi preview` of one step against the state the `up` before it left (add-a-server-preview-run.ts). */
function previewOf(step: string): { error?: string; steps: { name: string; op: string }[] } {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "add-a-server-preview-run.ts"), step], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(out.crashed, undefined, out.crashed);
    return out;
}
const SERVER1 = /^(server-(firewall|instance|ip|ready)|mhylle-nginx(-guard|-ready)?|proxy-config|certificates-.*)$/;

test("preview, phase by phase: dns touches nothing of server 1; certificate only the load balancer's frontends and certificate; done closes server 1's public side", () => {
    const dnsSteps = previewOf("dns");
    assert.equal(dnsSteps.error, undefined);
    // Server 1's releases become phases the fleet's coordinator runs (stacks/rollouts.ts): the only change on it.
    assert.deepEqual(dnsSteps.steps.filter((s) => !/-s2$|^load-balancer|-rollout$/.test(s.name) && !/^server-s2-/.test(s.name)).map((s) => `${s.name}:${s.op}`).filter((s) => !/^app[12]-(frontend|backend)-release:update$/.test(s)), [], "server 1 untouched while DNS moves");
    assert.deepEqual(dnsSteps.steps.filter((s) => SERVER1.test(s.name)), []);
    assert.ok(!dnsSteps.steps.some((s) => s.name === "load-balancer-certificate"));

    const cert = previewOf("certificate");
    assert.equal(cert.error, undefined);
    assert.deepEqual(cert.steps.map((s) => `${s.name}:${s.op}`), [
        "load-balancer-http:replace",
        "load-balancer-certificate:create",
        "load-balancer-https:replace",
        "load-balancer-server1-443:delete",
        "load-balancer-server1-80:delete",
    ]);

    const done = previewOf("done");
    assert.equal(done.error, undefined);
    const ops = done.steps.map((s) => `${s.name}:${s.op}`);
    for (const op of ["server-firewall:update", "mhylle-nginx:replace", "load-balancer-servers:update", "certificates-issue:delete"]) assert.ok(ops.includes(op), `${op} not in ${ops.join(", ")}`);
    assert.ok(!ops.some((o) => /^load-balancer-(https|http|certificate):/.test(o)), ops.join(", "));
});

test("the order of the phases, as the last up's `servers` output allows it", async () => {
    const { validateConfig } = await import("../../config/validate");
    const { prodConfig } = await import("../support/program");
    const { lbPhaseProblems } = await import("../../stacks/lb-phase");
    const raw = prodConfig();
    const cfg = (count: number, phase: string) => validateConfig({ ...raw, server: { ...(raw.server as object), count }, database: { ...(raw.database as object), managed: { enabled: true } }, loadBalancer: { phase } });
    const refused = (count: number, phase: string, previous: { count: number; phase?: "dns" | "certificate" } | undefined) =>
        lbPhaseProblems(cfg(count, phase), previous && { retired: [], ...previous }).map((p) => `${p.field}: ${p.problem}`);
    // Allowed: each step in order, the way back from certificate, more servers once done, a new stack.
    for (const [count, phase, previous] of [
        [2, "dns", { count: 1 }], [3, "dns", { count: 1 }], [2, "certificate", { count: 2, phase: "dns" }], [2, "done", { count: 2, phase: "certificate" }],
        [2, "dns", { count: 2, phase: "certificate" }], [3, "done", { count: 2 }], [2, "dns", undefined], [2, "certificate", { count: 2, phase: "certificate" }],
    ] as const)
        assert.deepEqual(refused(count, phase, previous), [], `${count} ${phase} after ${JSON.stringify(previous)}`);
    assert.match(refused(2, "certificate", { count: 1 }).join(), /^loadBalancer\.phase: is certificate but the stack has one server/);
    assert.match(refused(2, "done", { count: 2, phase: "dns" }).join(), /set loadBalancer\.phase: certificate first/);
    assert.match(refused(2, "dns", { count: 2 }).join(), /^loadBalancer\.phase: is dns but the stack already runs 2 servers .*keep loadBalancer\.phase: done$/);
});
