// The release script's watch after the switch (render/app/release.sh): health and the 5xx share
// of the new container's responses, judged every second, roll the release back as soon as a limit
// is crossed. A fake `docker` on PATH (tests/support/fake-docker/) stands in for Docker and nginx;
// the tests write nginx's access log lines (the platform's JSON format) while the script watches.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Outcome, Overrides, Server, V1, V2, serving } from "../../support/release-run";
import { ImageBehaviour } from "../../support/fake-docker";
import { responses } from "../../support/access-log";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();
/** Far longer than any rollback here takes: "rolled back before the watch ends" is an outcome. */
const LONG_WATCH = 60;

interface Scenario {
    /** A server where V1 serves first (else V2 is the service's first release). */
    readonly overV1?: boolean;
    readonly behaviour?: (trigger: string) => ImageBehaviour;
    readonly overrides?: Overrides;
    /** Runs once nginx routes to V2: `trigger` is a file the test may create, `addr` V2's IP:PORT. */
    readonly during: (s: Server, addr: string, trigger: string) => void;
}

/** Releases V2 in before(); the returned object holds the server and the outcome for the tests. */
function watching(sc: Scenario): { s: Server; r: Outcome } {
    const got = {} as { s: Server; r: Outcome };
    before(async () => {
        const dir = tmp(path.join(os.tmpdir(), "release-watch-"));
        const s = sc.overV1 ? await serving(dir) : new Server(dir);
        const trigger = path.join(dir, "trigger");
        s.image(V2, sc.behaviour?.(trigger) ?? {});
        const run = s.start(V2, { watchSeconds: LONG_WATCH, ...sc.overrides });
        const c = await s.switchedTo(V2);
        sc.during(s, s.upstreamAddr(c), trigger);
        Object.assign(got, { s, r: await run.done });
    });
    return got;
}

/** The outcome every rollback must have, whatever tripped it. */
function rolledBack(x: { s: Server; r: Outcome }, reason: RegExp, to: "green" | "blue") {
    it("rolls back well before the watch ends, naming the reason", () => {
        assert.equal(x.r.code, 1, x.r.stderr);
        assert.ok(x.r.seconds < LONG_WATCH / 2, `took ${x.r.seconds}s of a ${LONG_WATCH}s watch`);
        assert.match(x.r.stderr, / failed: rolled back to [\w-]+ after the switch: /);
        assert.match(x.r.stderr, reason);
        assert.equal(x.r.json?.rolledBack, true);
    });
    it(`switches nginx back to the ${to} slot`, () => assert.equal(x.s.liveColor(), to));
    it("removes the new container", () => assert.deepEqual(x.s.containersOf(V2), []));
}

const touch = (_s: Server, _addr: string, trigger: string) => fs.writeFileSync(trigger, "");

describe("watch: the new container turns unhealthy after the switch", () => {
    const x = watching({ overV1: true, behaviour: (t) => ({ unhealthyWhenFile: t }), during: touch });
    rolledBack(x, /health check turned unhealthy on app1-backend-\w+/, "green");
    it("keeps the old container serving", () => assert.equal(x.s.only(V1).status, "running"));
});

describe("watch: the new container exits after the switch", () => {
    const x = watching({ overV1: true, behaviour: (t) => ({ exitWhenFile: t, exitCode: 137 }), during: touch });
    rolledBack(x, /app1-backend-\w+ exited with code 137/, "green");
    it("keeps the old container serving", () => assert.equal(x.s.only(V1).status, "running"));
});

describe("watch: 5xx from the new container mid-watch", () => {
    const x = watching({
        overV1: true,
        during: (s, addr) => {
            // Another service's errors never count against this release.
            s.append(responses(50, { upstreamAddr: "172.20.0.250:8080", status: 500 }));
            s.append(responses(10, { upstreamAddr: addr, status: 200 }) + responses(30, { upstreamAddr: addr, status: 503 }));
        },
    });
    rolledBack(x, /30 of 40 responses from app1-backend-\w+ in the last 10s were 5xx \(limit 1%\)/, "green");
    it("reports the 5xx users got and the seconds from the first one to the rollback", () => {
        assert.equal(x.r.json?.served5xx, 30);
        assert.equal(x.r.json?.watchedRequests, 40);
        assert.equal(typeof x.r.json?.firstErrorToRollbackSeconds, "number");
        assert.ok((x.r.json!.firstErrorToRollbackSeconds as number) >= 0);
    });
    it("keeps the old container serving", () => assert.equal(x.s.only(V1).status, "running"));
});

/** `errors` 5xx among `total` responses of V2, one block of lines, the 5xx last. */
const mix = (total: number, errors: number) => (s: Server, addr: string) =>
    s.append(responses(total - errors, { upstreamAddr: addr, status: 200 }) + responses(errors, { upstreamAddr: addr, status: 500 }));
/** Short enough to see a release through, long enough that the lines land inside it. */
const SHORT_WATCH = 3;

describe("watch: a fractional limit (0.5%) is exact", () => {
    describe("1 of 199 responses (0.503%) trips it", () => {
        const x = watching({ overrides: { max5xxPercent: 0.5 }, during: mix(199, 1) });
        rolledBack(x, /1 of 199 responses .* were 5xx \(limit 0.5%\)/, "blue");
    });
    describe("1 of 200 responses (exactly 0.5%) does not", () => {
        const x = watching({ overrides: { max5xxPercent: 0.5, watchSeconds: SHORT_WATCH }, during: mix(200, 1) });
        it("completes the release, having watched every response", () => {
            assert.equal(x.r.code, 0, x.r.stderr);
            assert.equal(x.r.json?.changed, true);
            assert.deepEqual([x.r.json?.watchedRequests, x.r.json?.served5xx], [200, 1]);
            assert.equal(x.s.liveColor(), "green");
        });
    });
});

describe("watch: fewer responses than minRequests are not judged", () => {
    describe("19 responses, all 5xx, with minRequests 20", () => {
        const x = watching({ overrides: { minRequests: 20, watchSeconds: SHORT_WATCH }, during: mix(19, 19) });
        it("completes the release", () => {
            assert.equal(x.r.code, 0, x.r.stderr);
            assert.deepEqual([x.r.json?.watchedRequests, x.r.json?.served5xx], [19, 19]);
            assert.equal(x.s.liveColor(), "green");
        });
    });
    describe("20 responses, all 5xx, with minRequests 20", () => {
        const x = watching({ overrides: { minRequests: 20 }, during: mix(20, 20) });
        rolledBack(x, /20 of 20 responses/, "blue");
    });
});
