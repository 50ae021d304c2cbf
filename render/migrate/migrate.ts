// The migrate-database command (migrate-database.sh, a real script read at render time) under a
// header of checked, quoted parameters: which databases and roles move, and how each side is reached.
import * as fs from "node:fs";
import * as path from "node:path";
import { SHARED_DATABASE, databaseName, roleName } from "../../config/naming";
import { shq } from "../shell";
import type { OpsTargets } from "../backup/layout";
import type { BinCommand } from "../schedule";
import { PG_RESTORE_LISTED } from "../pg-restore-listed";
import { pgpassFunctions } from "../pgpass";
import { CONTAINER_CA_PATH, SERVER_CA_FILE, SERVER_ENDPOINT_FILE } from "../managed-database";

export const MIGRATE_SCRIPT = path.join(__dirname, "migrate-database.sh");
/** The SQL the script runs (real files beside it): the fingerprint, the freeze on and off, the freeze's own objects, shared_db's foreign keys dropped. */
export const MIGRATE_SQL = { fingerprint: "fingerprint.sql", freezeOn: "freeze-on.sql", freezeOff: "freeze-off.sql", freezeObjects: "freeze-objects.sql", dropForeignKeys: "drop-foreign-keys.sql" } as const;
export const migrateSql = (name: keyof typeof MIGRATE_SQL) => fs.readFileSync(path.join(__dirname, MIGRATE_SQL[name]), "utf8");
/** One line per database on the instance: "database user password" (mode 0600), during the move only. */
export const MIGRATION_LOGINS_FILE = "secrets/managed-logins";
/** The admin's line in it (for shared_db and freezing on the instance). */
export const ADMIN_LOGIN_KEY = "postgres";

export interface MigrationInput {
    /** The pinned PostgreSQL image: the client tools for the instance. */
    readonly image: string;
    /** Apps with a database. */
    readonly apps: readonly string[];
    readonly sharedDb: boolean;
    readonly sharedDbGrants: readonly string[];
    /** The instance's sslmode (database.managed.sslMode). @default verify-full */
    readonly sslMode?: string;
}

/** SQL text in single quotes: its $ are PostgreSQL's dollar quotes, not the shell's. */
const SQL_TEXT = "# shellcheck disable=SC2016";

export function migrateDatabaseScript(t: OpsTargets, m: MigrationInput): string {
    const dbs = [...m.apps.map(databaseName), ...(m.sharedDb ? [SHARED_DATABASE] : [])];
    return [
        `root=\${PLATFORM_ROOT:-${shq(t.root)}}`,
        `pg_container=${shq(t.postgresContainer)} superuser=postgres client_image=${shq(m.image)} ssl_mode=${shq(m.sslMode ?? "verify-full")}`,
        `ca_file="$root/${SERVER_CA_FILE}" endpoint_file="$root/${SERVER_ENDPOINT_FILE}" container_ca=${shq(CONTAINER_CA_PATH)}`,
        `logins_file=\${PLATFORM_MIGRATE_LOGINS:-"$root/${MIGRATION_LOGINS_FILE}"} admin_db_key=${ADMIN_LOGIN_KEY}`,
        `dbs=(${dbs.map(shq).join(" ")})`,
        `shared_db=${shq(m.sharedDb ? SHARED_DATABASE : "")}`,
        `shared_grants=(${m.sharedDbGrants.map((g) => shq(roleName(g))).join(" ")})`,
        SQL_TEXT,
        `fingerprint_sql=${shq(migrateSql("fingerprint"))}`,
        SQL_TEXT,
        `freeze_on_sql=${shq(migrateSql("freezeOn"))}`,
        SQL_TEXT,
        `freeze_off_sql=${shq(migrateSql("freezeOff"))}`,
        SQL_TEXT,
        `freeze_objects_sql=${shq(migrateSql("freezeObjects"))}`,
        SQL_TEXT,
        `drop_foreign_keys_sql=${shq(migrateSql("dropForeignKeys"))}`,
        PG_RESTORE_LISTED,
        pgpassFunctions(),
        fs.readFileSync(MIGRATE_SCRIPT, "utf8"),
    ].join("\n");
}

/** The logins file: each app database with its app's login, shared_db and freezing with the admin's. */
export function migrationLoginsFile(apps: readonly { database: string; user: string; password: string }[], admin: { user: string; password: string }, sharedDb: boolean): string {
    const lines = [...apps.map((a) => `${a.database} ${a.user} ${a.password}`), `${ADMIN_LOGIN_KEY} ${admin.user} ${admin.password}`, ...(sharedDb ? [`${SHARED_DATABASE} ${admin.user} ${admin.password}`] : [])];
    for (const l of lines) if (!/^[a-z0-9_]+ [a-z0-9_]+ [A-Za-z0-9_-]+$/.test(l.replace(/ [^ ]+$/, " x"))) throw new Error("unsafe login line");
    return lines.join("\n") + "\n";
}

/** The command DatabaseClient installs on the first server during the move. */
export const migrateDatabaseCommand = (t: OpsTargets, m: MigrationInput): BinCommand => ({ name: "migrate-database", script: migrateDatabaseScript(t, m) });
