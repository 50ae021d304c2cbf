// A failed release forwards what the container said (its last log lines, its health command's
// output) into CI logs, the events file and alerts: the secrets in it (the env file's password, a
// DSN's user:pass@, password=...) are blanked before they go, the rest of the reason kept.
// Runs the production release script on the fake docker (tests/support/fake-docker/).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Outcome, Server, V2, serving } from "../../support/release-run";
import { RELEASE_EVENTS } from "../../../render/monitoring/layout";
import { tempDirs } from "../../support/tmp";

const tmp = tempDirs();
// The env file release-run.ts hands every release holds DATABASE_PASSWORD=not-a-real-secret.
const ENV_PASSWORD = "not-a-real-secret";
const OTHER = "hunter2-from-the-app";

describe("a release whose container logged its DSN and a password, then never got healthy", () => {
    let s: Server;
    let r: Outcome;
    before(async () => {
        s = await serving(tmp(path.join(os.tmpdir(), "release-redaction-")));
        s.image(V2, {
            neverHealthy: true,
            healthOutput: `curl: (7) token=${OTHER}-tok failed`,
            logs: `connecting to postgres://app1:${ENV_PASSWORD}@postgres:5432/app1_db\nerror: password authentication failed; password=${OTHER}\ndatabase refused the connection`,
        });
        r = await s.release(V2);
    });
    it("fails, still naming what happened", () => {
        assert.equal(r.code, 1);
        assert.match(r.stderr, /last log lines: connecting to postgres:\/\/\[redacted\]@postgres:5432\/app1_db error: password authentication failed; password=\[redacted\] database refused the connection/);
        assert.match(r.stderr, /last health output: curl: \(7\) token=\[redacted\] failed/);
    });
    it("the secrets are in neither its output (the CI log) nor the events file the alerts read", () => {
        const events = fs.readFileSync(path.join(s.root, RELEASE_EVENTS), "utf8");
        assert.match(events, /"outcome":"failed"/);
        for (const [where, text] of [["output", r.stderr + r.stdout], ["events", events]] as const)
            for (const secret of [ENV_PASSWORD, OTHER]) assert.ok(!text.includes(secret), `${secret} is in the ${where}`);
    });
});
