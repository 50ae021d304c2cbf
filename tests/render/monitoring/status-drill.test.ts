// The restore drill on the status report and in alerts (the rendered status program, as installed):
// a passing drill reads "last verified restore: N h ago, RTO x s, RPO y s"; a failed one is red with
// its cause and alerts once, like a failed backup; a drill older than two days is red too.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../../support/requirements";
import { judgeDrill } from "../../support/drill-alerts";

const skip = needs("python3");
const roots: { cleanup(): void }[] = [];
after(() => roots.forEach((r) => r.cleanup()));

const judge = (drill: Record<string, unknown> | undefined) => judgeDrill(drill, roots);

const now = () => Math.floor(Date.now() / 1000);

test("a passing drill shows its age, RTO and RPO, green, and alerts nothing", { skip }, () => {
    const out = judge({ at: now() - 6 * 3600, ok: true, repo: 2, rtoSeconds: 41, rpoSeconds: 12, restoredUpTo: "x", checks: [], errors: [] });
    assert.deepEqual(out.checks.map((c: any) => [c.group, c.name, c.status, c.summary]), [["backups", "restore drill", "ok", "last verified restore: 6 h ago, RTO 41 s, RPO 12 s (repo2)"]]);
    assert.deepEqual(out.first, []);
});

test("a failed drill is red with its cause and alerts once, as a failed backup does", { skip }, () => {
    const out = judge({ at: now() - 60, ok: false, repo: 1, rtoSeconds: 9, rpoSeconds: null, checks: [], errors: ["pgbackrest verify of repo1 found errors"] });
    assert.equal(out.checks[0].status, "fail");
    assert.match(out.checks[0].summary, /FAILED 0 h ago \(repo1\): pgbackrest verify of repo1 found errors/);
    assert.equal(out.first.length, 1);
    assert.match(out.first[0].title, /restore drill failed$/);
    assert.deepEqual(out.second, [], "not repeated on the next run");
});

test("no passing drill for more than two days is red; no drill file (pitr off) adds nothing", { skip }, () => {
    const stale = judge({ at: now() - 50 * 3600, ok: true, repo: 2, rtoSeconds: 41, rpoSeconds: 12, checks: [], errors: [] });
    assert.equal(stale.checks[0].status, "fail");
    assert.match(stale.checks[0].summary, /^no passing drill for 50 h/);
    assert.deepEqual(judge(undefined).checks, []);
});
