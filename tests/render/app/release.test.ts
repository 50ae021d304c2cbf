// The release script (render/app/release.sh under its rendered header) before and at the switch:
// each gate's failure, the switch, drain and removal, the next release, a re-run. A fake `docker`
// on PATH (tests/support/fake-docker/) stands in for Docker and nginx: no Docker, no root.
// Each scenario runs once in before(); the named tests assert what a user cares about.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SLOT_LABEL } from "../../../config/naming";
import { Outcome, Server, V1, V2, serving as servingIn, stopsOf as stops } from "../../support/release-run";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();
const dir = () => tmp(path.join(os.tmpdir(), "release-test-"));
const server = () => new Server(dir());
const serving = () => servingIn(dir());

/** What every failed gate must leave: the old version serving exactly as before, nothing new. */
function gateFailure(title: string, behaviour: Parameters<Server["image"]>[1], reason: RegExp, extra?: (s: Server, r: Outcome) => void) {
    describe(title, () => {
        let s: Server;
        let r: Outcome;
        let markerBefore: string;
        before(async () => {
            s = await serving();
            s.image(V2, behaviour);
            markerBefore = s.markerState();
            r = await s.release(V2);
        });
        it("fails, naming the reason", () => {
            assert.equal(r.code, 1);
            assert.match(r.stderr, /release of app1 backend \(local\/app1-backend:2\) failed: /);
            assert.match(r.stderr, reason);
        });
        it("removes the new container", () => assert.deepEqual(s.containersOf(V2), []));
        it("leaves nginx's live marker untouched", () => assert.equal(s.markerState(), markerBefore));
        it("keeps the old container running, never stopped", () => {
            const old = s.only(V1);
            assert.equal(old.status, "running");
            assert.deepEqual(stops(s, old.name), []);
        });
        if (extra) it("names what it saw", () => extra(s, r));
    });
}

gateFailure(
    "start: Docker refuses to start the new container",
    { startFails: "OCI runtime create failed: unable to start container process" },
    /could not start app1-backend-\w+: .*OCI runtime create failed/,
);

gateFailure(
    "health gate: the new container never answers its health command",
    { neverHealthy: true, healthOutput: "curl: (22) The requested URL returned error: 503", logs: "listening on 3000\ndatabase refused the connection" },
    /not healthy within 3s/,
    (_s, r) => {
        assert.match(r.stderr, /last health output: curl: \(22\) The requested URL returned error: 503/);
        assert.match(r.stderr, /last log lines: listening on 3000 database refused the connection/);
    },
);

gateFailure("health gate: the new container exits", { neverHealthy: true, exitAfterProbes: 2, exitCode: 3 }, /exited with code 3/);

gateFailure("nginx gate: healthy inside, unreachable through nginx", { unreachable: true }, /nginx cannot reach app1-backend-\w+:3000\/health through the blue slot/, (s) => {
    const probes = s.docker.calls().filter((c) => c[0] === "exec" && c[1] === "mhylle-nginx").map((c) => c[c.length - 1]);
    assert.ok(probes.includes("http://127.0.0.1:8081/probe/app1_backend_blue/health"), `probes: ${probes.join(", ")}`);
});

describe("releases of one service, one after another", () => {
    const s = server();
    // Unhealthy for its first two probes: the switch must wait for the third.
    s.image(V1, { healthyAfterProbes: 2 });
    s.image(V2);

    describe("the first: gates passed, nginx switched to the idle (green) slot", () => {
        let r: Outcome;
        before(async () => {
            r = await s.release(V1);
        });
        it("succeeds and reports the seconds from healthy to switched", () => {
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.json?.changed, true);
            assert.equal(r.json?.color, "green");
            assert.equal(typeof r.json?.healthyToSwitchSeconds, "number");
            assert.ok((r.json!.healthyToSwitchSeconds as number) >= 0);
        });
        it("creates the green marker: nginx routes to the green slot", () => assert.equal(s.liveColor(), "green"));
        it("writes the marker only after the new container's health command answered", () => {
            // From the fake docker's record of each probe's result and the marker file's own
            // time, not from the timestamps the script reports.
            const probes = s.docker.timeline().filter((c) => c.argv[0] === "exec" && c.argv[1] === s.only(V1).name);
            const healthy = probes.find((c) => c.code === 0);
            assert.ok(healthy, `no probe answered: ${JSON.stringify(probes)}`);
            assert.equal(probes.indexOf(healthy), 2, "the first two probes fail");
            const written = fs.statSync(s.marker).mtimeMs;
            assert.ok(written >= healthy.at, `the marker was written ${((healthy.at - written) / 1000).toFixed(2)}s before the first healthy probe`);
        });
        it("puts the new container in the green slot, by its network alias and label", () => {
            const c = s.only(V1);
            assert.deepEqual(c.networks["app1-network"].aliases, ["app1-backend-green"]);
            assert.equal(c.labels[SLOT_LABEL], "green");
            assert.equal(c.status, "running");
        });
        it("hands the service's secrets to Docker in an env file, never in argv", () => {
            assert.ok(s.only(V1).env.includes("DATABASE_PASSWORD=not-a-real-secret"));
            assert.deepEqual(s.docker.calls().filter((c) => c.join(" ").includes("not-a-real-secret")), []);
        });
    });

    describe("the second goes to the other (blue) slot, then drains and removes the old one", () => {
        let r: Outcome;
        let old: string;
        before(async () => {
            old = s.only(V1).name;
            r = await s.release(V2);
        });
        it("succeeds", () => {
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.json?.color, "blue");
            assert.equal(r.json?.previous, old);
        });
        it("removes the green marker: nginx routes to the blue slot", () => assert.equal(s.liveColor(), "blue"));
        it("stops the old container with the drain seconds as its grace, then removes it", () => {
            assert.deepEqual(stops(s, old), [["stop", "-t", "7", old]]);
            assert.ok(s.docker.removed().some((c) => c.name === old && c.removedWhile === "exited"));
        });
        it("leaves only the new container", () => {
            assert.deepEqual(s.docker.containers().map((c) => [c.image, c.labels[SLOT_LABEL], c.status]), [[V2, "blue", "running"]]);
        });
    });

    describe("a re-run of the serving release, after an interrupted one", () => {
        let r: Outcome;
        let callsBefore: number;
        let serving: string;
        before(async () => {
            serving = s.only(V2).name;
            // A release killed during its health gate leaves its container in the idle slot.
            s.image("local/app1-backend:3", { neverHealthy: true });
            const killed = s.start("local/app1-backend:3", { healthTimeoutSeconds: 60 });
            while (!s.containersOf("local/app1-backend:3").some((c) => c.status === "running")) await new Promise((w) => setTimeout(w, 50));
            process.kill(-killed.pid, "SIGKILL");
            await killed.done;
            callsBefore = s.docker.calls().length;
            r = await s.release(V2);
        });
        it('prints "changed":false', () => {
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.json?.changed, false);
            assert.equal(r.json?.container, serving);
        });
        it("creates and starts nothing", () => {
            const ran = s.docker.calls().slice(callsBefore).map((c) => c[0]);
            assert.ok(!ran.includes("create") && !ran.includes("start"), ran.join(" "));
        });
        it("removes the leftover in the idle slot; the serving container stays", () => {
            assert.deepEqual(s.containersOf("local/app1-backend:3"), []);
            assert.equal(s.only(V2).status, "running");
            assert.equal(s.liveColor(), "blue");
        });
    });
});

describe("the fake docker", () => {
    it("refuses, with exit 99 and the argv, any call the release script does not make", () => {
        const s = server();
        for (const argv of [["run", "--rm", "x"], ["inspect", "-f", "{{.Config.Image}}", "x"], ["rm", "x"], ["exec", "mhylle-nginx", "nginx", "-s", "reload"]]) {
            const r = spawnSync("docker", argv, { env: s.docker.env(), encoding: "utf8" });
            assert.equal(r.status, 99, argv.join(" "));
            assert.ok(r.stderr.includes(JSON.stringify(argv)), r.stderr);
        }
        assert.equal(s.docker.unsupported().split("\n").filter(Boolean).length, 4);
    });
});
