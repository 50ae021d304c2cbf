// A release in phases, on one server, as the coordinator of a release over several servers runs it
// (render/app/rollout.sh): prepare (release.sh up to its watch, the old container kept), then
// finish (drain the old one) or revert (switch back to it). The scripts are the ones production
// renders (render/app/release.ts), run against the fake docker: no Docker, no root. The same
// phases on real Docker and two servers: tests/e2e/fleet.test.ts (npm run test:fleet).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { SLOT_LABEL } from "../../../config/naming";
import { Outcome, Server, V1, V2, serving as servingIn, stopsOf as stops } from "../../support/release-run";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();
const serving = () => servingIn(tmp(path.join(os.tmpdir(), "release-phases-test-")));

/** A server where V1 serves (green) and V2 has been prepared. */
async function prepared(behaviour: Parameters<Server["image"]>[1] = {}): Promise<{ s: Server; old: string; r: Outcome }> {
    const s = await serving();
    const old = s.only(V1).name;
    s.image(V2, behaviour);
    const r = await s.phase("prepare", V2);
    return { s, old, r };
}

describe("prepare: every gate of a release, then the switch, keeping the old container", () => {
    let s: Server;
    let old: string;
    let r: Outcome;
    before(async () => ({ s, old, r } = await prepared()));
    it("succeeds", () => assert.equal(r.code, 0, r.stderr));
    it("switches nginx to the new container's (blue) slot", () => {
        assert.equal(s.liveColor(), "blue");
        assert.equal(s.only(V2).labels[SLOT_LABEL], "blue");
    });
    it("keeps the old container running in its slot, never stopped", () => {
        const c = s.only(V1);
        assert.equal(c.name, old);
        assert.equal(c.status, "running");
        assert.deepEqual(stops(s, old), []);
    });
    it("writes which slot holds what for finish or revert", () => {
        assert.deepEqual(fs.readFileSync(s.pending, "utf8").trim().split(" "), ["green", "blue", s.only(V2).name]);
    });
});

describe("prepare of a release that fails its health gate", () => {
    let s: Server;
    let r: Outcome;
    before(async () => ({ s, r } = await prepared({ neverHealthy: true })));
    it("fails, naming the reason", () => {
        assert.equal(r.code, 1);
        assert.match(r.stderr, /release of app1 backend \(local\/app1-backend:2\) failed: not healthy within 3s/);
    });
    it("leaves the old version serving and nothing pending", () => {
        assert.equal(s.liveColor(), "green");
        assert.equal(s.only(V1).status, "running");
        assert.deepEqual(s.containersOf(V2), []);
        assert.equal(fs.existsSync(s.pending), false);
    });
});

describe("finish: the release is done on this server", () => {
    let s: Server;
    let old: string;
    let r: Outcome;
    let again: Outcome;
    before(async () => {
        ({ s, old } = await prepared());
        r = await s.phase("finish");
        again = await s.phase("finish");
    });
    it("succeeds and names the container that now serves", () => {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.json?.phase, "finish");
        assert.equal(r.json?.pending, true);
        assert.equal(r.json?.container, s.only(V2).name);
    });
    it("drains the old container with the drain seconds as its grace, then removes it", () => {
        assert.deepEqual(stops(s, old), [["stop", "-t", "7", old]]);
        assert.deepEqual(s.containersOf(V1), []);
    });
    it("leaves the new container serving and nothing pending", () => {
        assert.equal(s.liveColor(), "blue");
        assert.equal(s.only(V2).status, "running");
        assert.equal(fs.existsSync(s.pending), false);
    });
    it("does nothing when run again (the coordinator may retry)", () => {
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(again.json, { app: "app1", service: "backend", phase: "finish", pending: false });
        assert.equal(s.only(V2).status, "running");
    });
});

describe("revert: another server failed, so this one goes back", () => {
    let s: Server;
    let old: string;
    let newName: string;
    let r: Outcome;
    let again: Outcome;
    before(async () => {
        ({ s, old } = await prepared());
        newName = s.only(V2).name;
        r = await s.phase("revert");
        again = await s.phase("revert");
    });
    it("succeeds and names both containers", () => {
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.json, { app: "app1", service: "backend", phase: "revert", pending: true, container: newName, previous: old });
    });
    it("switches nginx back to the old container's slot, which was never stopped", () => {
        assert.equal(s.liveColor(), "green");
        assert.equal(s.only(V1).name, old);
        assert.equal(s.only(V1).status, "running");
        assert.deepEqual(stops(s, old), []);
    });
    it("drains and removes the new container, leaving nothing pending", () => {
        assert.deepEqual(stops(s, newName), [["stop", "-t", "7", newName]]);
        assert.deepEqual(s.containersOf(V2), []);
        assert.equal(fs.existsSync(s.pending), false);
    });
    it("does nothing when run again", () => {
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.json?.pending, false);
        assert.equal(s.only(V1).status, "running");
    });
});

describe("revert when the old container no longer runs", () => {
    let s: Server;
    let old: string;
    let r: Outcome;
    before(async () => {
        ({ s, old } = await prepared());
        // Someone stopped it by hand while the other servers prepared.
        const stopped = spawnSync("docker", ["stop", "-t", "0", old], { env: s.docker.env(), encoding: "utf8" });
        assert.equal(stopped.status, 0, stopped.stderr);
        r = await s.phase("revert");
    });
    it("refuses, naming the container, and keeps the new one serving", () => {
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`cannot switch back: ${old} no longer runs; app1-backend-\\w+ keeps serving`));
        assert.equal(s.liveColor(), "blue");
        assert.equal(s.only(V2).status, "running");
    });
    it("keeps the release pending, so the coordinator can still finish it", () => assert.equal(fs.existsSync(s.pending), true));
});
