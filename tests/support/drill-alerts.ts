// The status program's verdict on a restore drill's result (state/backups/drill.json): its check on
// the status page and the alerts of two status runs five minutes apart, as the job runs process().
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { opsRoot, sh } from "./ops";
import { withProgram } from "./status";
import { DRILL_RESULT } from "../../render/backup/pitr-jobs";
import { alertSecretsFile, installAlertSecretsScript } from "../../render/monitoring/alert-secrets";

export function judgeDrill(drill: Record<string, unknown> | undefined, roots: { cleanup(): void }[]) {
    // A webhook nothing listens on: alerts are made and recorded, their delivery fails.
    const ops = opsRoot({ monitoring: { alerts: { webhook: { enabled: true } } } });
    roots.push(ops);
    const installed = sh("bash", ["-c", installAlertSecretsScript(ops.root)], { input: alertSecretsFile({ webhookUrl: "https://127.0.0.1:9/hook" }) });
    assert.equal(installed.code, 0, installed.stderr);
    if (drill) {
        fs.mkdirSync(path.dirname(path.join(ops.root, DRILL_RESULT)), { recursive: true });
        fs.writeFileSync(path.join(ops.root, DRILL_RESULT), JSON.stringify(drill));
    }
    return judgeWith(ops.root, "check_drill");
}

/** A drill check (`check_drill`, `check_dump_drill`) and the alerts of two status runs five minutes apart, in `root`. */
export function judgeWith(root: string, check: "check_drill" | "check_dump_drill") {
    return withProgram(
        root,
        `r = ps.Report()
ps.${check}(r)
report = {"status": "green", "checks": r.checks, "jobs": []}
now = ps.time.time()
alerts = lambda state, before: [a for a in state["recent"][before:] if "drill" in a["title"]]
state = ps.process(report, r.facts, [], now)
first = alerts(state, 0)
before = len(state["recent"])
second = alerts(ps.process(report, r.facts, [], now + 300), before)
print(json.dumps({"checks": r.checks, "first": first, "second": second}))`,
    );
}
