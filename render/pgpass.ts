// Password files for PostgreSQL client containers (pgpass.sh, a real script read at render time):
// libpq reads the password from a file of the client's uid alone, never from its environment.
import * as fs from "node:fs";
import * as path from "node:path";

export const PGPASS_SCRIPT = path.join(__dirname, "pgpass.sh");
/** pgpass_split, pgpass_write, pg_client_user and pgpass_mount, for a script that runs client containers. */
export const pgpassFunctions = () => fs.readFileSync(PGPASS_SCRIPT, "utf8");
