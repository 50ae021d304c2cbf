// The pg_restore_listed shell function (pg-restore-listed.sh, a real script read at render time):
// a restore limited to part of an archive's table of contents, inside a client container.
import * as fs from "node:fs";
import * as path from "node:path";

export const PG_RESTORE_LISTED = fs.readFileSync(path.join(__dirname, "pg-restore-listed.sh"), "utf8");
