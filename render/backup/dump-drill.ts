// The nightly dump drill's job (dump-drill.sh, a real script read at render time, under a header of
// quoted settings): proves the logical dumps restore, in either database mode.
import * as fs from "node:fs";
import * as path from "node:path";
import type { BackupsConfig } from "../../config/schema";
import type { ScheduledJob } from "../schedule";
import { shq } from "../shell";
import { BACKUPS_DIR, OpsTargets, RESTORE_DRILLS_QUEUE, opsVars } from "./layout";
import { ROWS_SUFFIX } from "./dump-manifest";

export const DUMP_DRILL_SCRIPT = path.join(__dirname, "dump-drill.sh");
/** The last dump drill's result, read by the status report: {at, ok, kind: "dump", rtoSeconds, rpoSeconds, checks, errors}. */
export const DUMP_DRILL_RESULT = "state/backups/dump-drill.json";

/**
 * The dump-drill job, on the server that makes the dumps. `image`: the PostgreSQL image the scratch
 * server runs (managed mode: the pinned one); without it, the live PostgreSQL container's.
 */
export function dumpDrillJob(t: OpsTargets, b: BackupsConfig, image?: string): ScheduledJob {
    const header = [
        ...opsVars(t, "root"),
        // Only for its image, when no image is given.
        `pg_container=\${PLATFORM_POSTGRES_CONTAINER:-${shq(t.postgresContainer)}}`,
        `backups="$root/${BACKUPS_DIR}"`,
        `drill_file="$root"/${shq(DUMP_DRILL_RESULT)}`,
        `rows_suffix=${shq(ROWS_SUFFIX)}`,
        `image=\${PLATFORM_DRILL_IMAGE:-${shq(image ?? "")}}`,
    ];
    // After the nightly dump, at the restore drill's hour: one schedule for "restores are proven".
    return { name: "dump-drill", schedule: b.pitr.drillSchedule, queue: RESTORE_DRILLS_QUEUE, script: [...header, fs.readFileSync(DUMP_DRILL_SCRIPT, "utf8")].join("\n") };
}
