// The second round of values (issue 23 item 15), each through the real validation and render path
// (tools/render.ts's renderConfigFile, what `npm run render` runs): refused with exit 2 and a line
// naming the field, or accepted and checked where it lands; and, where it says why, what the value
// did before its check (the tests/adversarial/battery.test.ts run puts the accepted ones through
// nginx -t, shellcheck and the leak check too).
import { after, before, test } from "node:test";
import * as http from "node:http";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { needs } from "../support/requirements";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tempDirs } from "../support/tmp";
import { readRendered } from "./case";
import { CaseResult, renderCases, SECRET_VALUES } from "./harness";
import { VALUES_ROUND_TWO_CASES, VALUES_ROUND_TWO_FLEET_CASES } from "./cases-values-round-two";
import { appDatabaseNetwork, appNetwork } from "../../config/naming";
import { CORE_NAMES } from "../../config/derived-names";
import { ntfyTopicProblem } from "../../config/ntfy-topic";
import { EXPORTER_CONTAINERS, EXPORTER_PORTS, MONITOR_ROLE } from "../../render/monitoring/exporters";
import { HOST_PORTS } from "../../config/host-ports";
import { validateConfig } from "../../config/validate";
import { renderNginxConfig } from "../../render/nginx/config";
import { productionOptions } from "../../render/nginx/options";

const CASES = [...VALUES_ROUND_TWO_CASES, ...VALUES_ROUND_TWO_FLEET_CASES];
const dir = tempDirs()(path.join(os.tmpdir(), "values-round-two-out-"));
let results: CaseResult[] = [];

before(async () => {
    results = await renderCases(CASES, dir);
});

for (const c of CASES) {
    const result = () => results.find((r) => r.c === c)!;
    if (c.refused) {
        const { field, says } = c.refused;
        test(`refuses ${c.name}`, () => {
            const r = result();
            assert.equal(r.status, 2, "expected exit 2, rendered instead");
            const line = r.problems.find((l) => l.startsWith(`${field}: `));
            assert.ok(line, `no line for ${field}; got:\n${r.problems.join("\n")}`);
            assert.match(line, says);
            assert.match(line, / \(got .+\)$/, "the line ends with the bad value");
            assert.equal(r.problems.some((l) => / at .*\.ts:\d+/.test(l)), false, "no stack trace");
            assert.equal(fs.existsSync(path.join(r.out, "resources.json")), false, "nothing rendered");
        });
    } else {
        test(`accepts ${c.name}, and it lands right`, () => {
            const r = result();
            assert.equal(r.status, 0, r.problems.join("\n"));
            c.lands?.(readRendered(r.out), r.raw!);
        });
    }
}

test("no refusal repeats a secret's value, and no secretEnv value is in anything rendered", () => {
    const plain = ["hunter2hunter2", "changeme", "s3cr3t", "ghp_0123456789abcdefghijABCDEFGHIJ012345", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg", "tok-plain-text-value", "abc123"];
    for (const r of results) for (const value of plain) assert.equal(r.problems.some((l) => l.includes(value)), false, `${r.c.name} repeats ${value}`);
    const token = SECRET_VALUES.get("app1ApiToken");
    assert.ok(token, "the secretEnv case was handed its secret");
    const accepted = results.filter((r) => r.status === 0);
    for (const r of accepted) {
        const files = fs.readdirSync(r.out, { recursive: true, encoding: "utf8" }).map((f) => path.join(r.out, f)).filter((f) => fs.statSync(f).isFile());
        for (const f of files) assert.equal(fs.readFileSync(f, "utf8").includes(token), false, `${r.c.name}: the secret is in ${f}`);
    }
});

test("before secretEnv: a plain env is in state in clear (the frontend's env file, in resources.json), which is why secrets are refused there", () => {
    const r = results.find((x) => x.c.name === "apps whose names share a start but no derived name (app1, app1-web)")!;
    const stdin = readRendered(r.out).inputs("app1-frontend-release").stdin;
    assert.equal(typeof stdin, "string");
    assert.match(stdin, /^APP_NAME=app1$/m, "a plain value is readable in state");
});

test("before the name check: app1-database's network is app app1's database network", () => {
    assert.equal(appNetwork("app1-database"), appDatabaseNetwork("app1"));
});

test("behind a load balancer without its certificate the rendered map tells apps http (before the fix it said https whatever letsEncrypt was)", () => {
    const cfg = validateConfig({ loadBalancer: { letsEncrypt: false } });
    const conf = renderNginxConfig(cfg, { ...productionOptions(cfg), loadBalancer: { port: 8080, trusted: ["10.0.0.1"] } }).find((f) => f.path === "nginx.conf")!.content;
    assert.match(conf, /8080 http;/);
    assert.doesNotMatch(conf, /8080 https;/);
});

test("the platform's own names the check knows are the render layer's (exporter role, containers, network)", () => {
    const names = CORE_NAMES.map((n) => n.name);
    for (const name of [MONITOR_ROLE, ...Object.values(EXPORTER_CONTAINERS), "mhylle-monitoring"]) assert.ok(names.includes(name), `${name} is not among the core names`);
    for (const port of Object.values(EXPORTER_PORTS)) assert.ok(HOST_PORTS[port], `exporter port ${port} is not among the host's ports`);
});

test("ntfy topics a generator makes are never refused (10,000 of openssl rand -hex 16's kind)", () => {
    const refused = Array.from({ length: 10_000 }, () => `alerts-${randomBytes(16).toString("hex")}`).filter((t) => ntfyTopicProblem(t));
    assert.deepEqual(refused, []);
});

test("before the health path check: curl, as the release probes a slot, resolves .. and asks another app's slot", { skip: needs("curl") }, async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => (seen.push(req.url ?? ""), res.end("ok")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    after(() => server.close());
    const port = (server.address() as { port: number }).port;
    // release.sh: curl -fsS ... "$probe_base$color$health_path", probe_base ending in app1_backend_
    // Asynchronously: the server answering it runs in this process.
    await promisify(execFile)("curl", ["-fsS", "--max-time", "10", "-o", "/dev/null", `http://127.0.0.1:${port}/probe/app1_backend_blue/../app2_backend_blue/health`]);
    assert.deepEqual(seen, ["/probe/app2_backend_blue/health"]);
});
