// Retention takes a dump's row manifest (<dump>.rows, for the dump drill) with the dump: the
// manifests never pile up, and a kept dump keeps its manifest.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { opsRoot, sh } from "../../support/ops";

const ops = opsRoot({ backups: { keepDaily: 2, keepWeekly: 1 } });
after(() => ops.cleanup());

test("prune-backups removes a pruned dump's row manifest and keeps a kept dump's", () => {
    const dir = path.join(ops.root, "backups/app1_db");
    fs.mkdirSync(dir, { recursive: true });
    const days = ["20261101", "20261102", "20261103", "20261104"];
    for (const d of days) for (const f of [`app1_db_${d}T023000Z.dump`, `app1_db_${d}T023000Z.dump.rows`]) fs.writeFileSync(path.join(dir, f), "x");
    const r = sh(path.join(ops.root, "bin/prune-backups"), [], { env: ops.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), [
        "app1_db_20261103T023000Z.dump",
        "app1_db_20261103T023000Z.dump.rows",
        "app1_db_20261104T023000Z.dump",
        "app1_db_20261104T023000Z.dump.rows",
    ]);
});
