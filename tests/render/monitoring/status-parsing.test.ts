// The status report parses what it reads defensively: nginx's JSON access log (numbers or strings,
// several upstream times, missing fields, non-JSON lines, lines outside the window), and a check
// that crashes on input it did not expect is reported red without losing the rest of the report.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { needs } from "../../support/requirements";
import { opsRoot, sh } from "../../support/ops";

const skip = needs("python3");
const ops = skip ? undefined : opsRoot({ monitoring: { logWindowMinutes: 15, max5xxPercent: 5 } });
after(() => ops?.cleanup());

function summarise(lines: string[]) {
    fs.mkdirSync(path.join(ops!.root, "logs/nginx"), { recursive: true });
    fs.writeFileSync(path.join(ops!.root, "logs/nginx/access.log"), lines.join("\n") + "\n");
    // A docker that always fails: only the log summary is under test here.
    const bin = path.join(ops!.root, "fakebin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const r = sh(path.join(ops!.root, "bin/platform-status"), ["--refresh"], { env: { ...ops!.env, PATH: `${bin}:${process.env.PATH}` } });
    const json = JSON.parse(fs.readFileSync(path.join(ops!.root, "state/status.json"), "utf8"));
    return { r, traffic: json.traffic, check: json.checks.find((c: any) => c.group === "traffic") };
}

const now = Date.now();
const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, "+00:00");

test("mixed formats are all understood; old and broken lines are not counted", { skip }, () => {
    const { traffic, check } = summarise([
        JSON.stringify({ time: iso(1), status: 200, request_time: 0.012, upstream_response_time: "0.010", uri: "/app1/" }),
        JSON.stringify({ time: iso(2), status: "502", request_time: "1.500", upstream_response_time: "0.500, 1.000", upstream_addr: "172.18.0.5:3000, 172.18.0.6:3000", uri: "/api/app1/x" }),
        JSON.stringify({ msec: String((now - 60_000) / 1000), status: 404, request_time: "0.001", upstream_response_time: "-", uri: "/nope" }),
        JSON.stringify({ time_local: "25/Nov/2020:10:00:00 +0000", status: 500, request_time: 9 }), // outside the window
        JSON.stringify({ time: iso(3), status: 200 }), // no timings at all
        "this is not json",
        JSON.stringify({ time: iso(1), status: "-" }), // no status: unparsed
        "",
    ]);
    assert.equal(traffic.requests, 4);
    assert.deepEqual(traffic.statusClasses, { "2xx": 2, "5xx": 1, "4xx": 1 });
    assert.equal(traffic.requestTimeMax, 1.5);
    assert.equal(traffic.upstreamTimeP95, 1.5, "0.500, 1.000 is one request's two upstream tries");
    assert.equal(traffic.unparsedLines, 3);
    assert.deepEqual(traffic.byPrefix.app1, { requests: 2, "5xx": 1 });
    // Too few requests to call a rate: a warning, not red.
    assert.equal(check.status, "warn");
});

test("a 5xx rate above monitoring.max5xxPercent over enough requests is red", { skip }, () => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ time: iso(1), status: i < 4 ? 503 : 200, request_time: "0.02" }));
    const { traffic, check } = summarise(lines);
    assert.equal(traffic.percent5xx, 10);
    assert.equal(check.status, "fail");
    assert.match(check.summary, /^40 requests in 15 min, 4 5xx \(10\.0%\)/);
});

test("no access log yet is a warning, not a crash", { skip }, () => {
    fs.rmSync(path.join(ops!.root, "logs/nginx/access.log"), { force: true });
    const bin = path.join(ops!.root, "fakebin");
    const r = sh(path.join(ops!.root, "bin/platform-status"), ["--collect"], { env: { ...ops!.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(fs.readFileSync(path.join(ops!.root, "state/status.json"), "utf8"));
    assert.equal(json.checks.find((c: any) => c.group === "traffic").status, "warn");
});

test("a check that crashes is reported red and the rest of the report is still written", { skip }, () => {
    const bin = path.join(ops!.root, "fakebin");
    // An openssl that prints a date nobody expected.
    fs.writeFileSync(path.join(bin, "openssl"), "#!/bin/sh\necho 'notAfter=sometime next year'\n", { mode: 0o755 });
    const certDir = path.join(ops!.root, "certs/live", ops!.cfg.domain);
    fs.mkdirSync(certDir, { recursive: true });
    fs.writeFileSync(path.join(certDir, "fullchain.pem"), "not a certificate");
    const r = sh(path.join(ops!.root, "bin/platform-status"), ["--refresh"], { env: { ...ops!.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.code, 1, "red");
    const json = JSON.parse(fs.readFileSync(path.join(ops!.root, "state/status.json"), "utf8"));
    const crashed = json.checks.find((c: any) => c.name === "check_certs crashed");
    assert.equal(crashed?.status, "fail");
    assert.match(crashed.summary, /^ValueError: /);
    assert.ok(json.checks.some((c: any) => c.group === "traffic"), "later checks still ran");
});
