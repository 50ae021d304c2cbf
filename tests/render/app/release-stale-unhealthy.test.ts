// Docker's health checks run on their own clock, beside the release's gate 1 (its own probe): a
// container still connecting to its database fails Docker's first checks, one of them still running
// when gate 1 passes, and Docker then reports "unhealthy" from a streak that began before the
// container was ever healthy. The watch counts "unhealthy" only once Docker's newest check started
// after gate 1 (CI's end-to-end bring-up rolled a healthy release back on such a streak). A fake
// `docker` (tests/support/fake-docker/) reports the streak and its checks' start times.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { Outcome, Server, V2, serving } from "../../support/release-run";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();

describe("watch: Docker reports unhealthy from checks that all started before the container was first healthy", () => {
    const got = {} as { s: Server; r: Outcome };
    before(async () => {
        const s = await serving(tmp(path.join(os.tmpdir(), "release-stale-")));
        s.image(V2, { staleUnhealthyStreak: true });
        const r = await s.start(V2, { watchSeconds: 3 }).done;
        Object.assign(got, { s, r });
    });
    it("is not rolled back: the release succeeds and nginx routes to the new container", () => {
        assert.equal(got.r.code, 0, got.r.stderr);
        assert.doesNotMatch(got.r.stderr, /rolled back/);
        assert.equal(got.s.only(V2).status, "running");
    });
});
