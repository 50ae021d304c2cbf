// `restore [--replace] DB [FILE]`: brings one database back from a dump (default: its newest).
// An existing database is only replaced with --replace, and is first dumped beside the backups so
// a wrong restore can itself be undone. Runbook: docs/runbooks/restore-a-database.md.
import { BACKUPS_DIR, OpsTargets, opsVars } from "./layout";
import { PG_RESTORE_LISTED } from "../pg-restore-listed";

/**
 * awk: the TOC lines of the database itself, restored by the superuser (the database, its settings,
 * comment and grants: "DATABASE - db owner", "ACL - DATABASE db owner"); every other is the owner's.
 */
const DATABASE_ENTRY = '(($4 == "DATABASE" && ($5 == "-" || $5 == "PROPERTIES")) || (($4 == "COMMENT" || $4 == "ACL") && $5 == "-" && $6 == "DATABASE"))';

/** awk: the TOC lines of rows (a table's, a sequence's value, large objects): loaded by their owner. */
const DATA_ENTRY = '(($4 == "TABLE" && $5 == "DATA") || ($4 == "SEQUENCE" && $5 == "SET") || $4 == "BLOBS")';

/**
 * awk: the TOC lines of foreign keys, added by their table's owner: ALTER TABLE ADD FOREIGN KEY
 * checks every row with a query run as the session's user, which casts the key through the app's
 * own IMPLICIT cast (its function) where the key's type needs one.
 */
const FOREIGN_KEY_ENTRY = '($4 == "FK" && $5 == "CONSTRAINT")';

const USAGE = `usage: restore [--replace] DB [FILE]
  DB       database to restore, e.g. app1_db (or "globals" for roles)
  FILE     a dump of DB (default: the newest in <root>/backups/DB)
  --replace  DB exists: save it to DB_<time>.pre-restore, drop it, restore FILE`;

export function restoreCommandScript(t: OpsTargets): string {
    return [
        ...opsVars(t, "root", "postgres"),
        `backups="$root/${BACKUPS_DIR}"`,
        `usage() { cat <<'USAGE'\n${USAGE}\nUSAGE\n}`,
        PG_RESTORE_LISTED,
        "replace=0",
        'while [ $# -gt 0 ]; do case "$1" in --replace) replace=1; shift ;; -h|--help) usage; exit 0 ;; -*) usage >&2; exit 64 ;; *) break ;; esac; done',
        'db="${1:-}"',
        'file="${2:-}"',
        '[[ "$db" =~ ^[a-z0-9_]+$ ]] || { usage >&2; exit 64; }',
        'if [ -z "$file" ]; then',
        '  file=$(find "$backups/$db" -maxdepth 1 -type f -regextype posix-extended -regex ".*/${db}_[0-9]{8}T[0-9]{6}Z\\.(dump|sql)" 2>/dev/null | LC_ALL=C sort | tail -n 1)',
        '  [ -n "$file" ] || { echo "no backup of $db in $backups/$db" >&2; exit 66; }',
        "fi",
        '[ -r "$file" ] || { echo "cannot read $file" >&2; exit 66; }',
        'psql_pg() { docker exec -i "$pg_container" psql -X -q -At -v ON_ERROR_STOP=1 -U "$pg_user" -d postgres "$@"; }',
        'if [ "$db" = globals ]; then',
        // Roles that already exist report "already exists"; the rest are created.
        '  docker exec -i "$pg_container" psql -X -q -U "$pg_user" -d postgres < "$file" || true',
        '  echo "roles restored from $file (existing roles kept; run pulumi up to set passwords)"',
        "  exit 0",
        "fi",
        // The archive must be whole and of this database before anything is dropped.
        'toc=$(docker exec -i "$pg_container" pg_restore --create -l < "$file") || { echo "$file is not a readable pg_dump archive" >&2; exit 65; }',
        // Here-strings and awk reading to the end: a reader that quits early (head, awk's exit)
        // would SIGPIPE the writer of a large table of contents, and pipefail fail the restore.
        `dumped=$(awk 'sub(/^;[[:space:]]*dbname: /, "") && !n++' <<<"$toc")`,
        '[ "$dumped" = "$db" ] || { echo "$file is a dump of \'$dumped\', not of \'$db\'" >&2; exit 65; }',
        // Whose the database is: its objects are restored by that role's own login.
        `owner=$(awk '$4 == "DATABASE" && $5 == "-" && !n++ { print $NF }' <<<"$toc")`,
        '[[ "$owner" =~ ^[a-z0-9_]+$ ]] || { echo "$file names no owner of $db" >&2; exit 65; }',
        'exists=$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = \'$db\'")',
        'if [ "$exists" = 1 ]; then',
        '  if [ "$replace" != 1 ]; then',
        '    echo "$db exists. Stop the app\'s backend first, then: restore --replace $db $file" >&2',
        "    exit 73",
        "  fi",
        '  safety="$backups/$db/${db}_$(date -u +%Y%m%dT%H%M%SZ).pre-restore"',
        "  umask 077",
        '  docker exec "$pg_container" pg_dump -U "$pg_user" --format=custom -d "$db" > "$safety" || { rm -f "$safety"; echo "could not save the current $db; nothing was changed" >&2; exit 1; }',
        '  echo "saved the current $db to $safety"',
        '  psql_pg -c "DROP DATABASE \\"$db\\" WITH (FORCE)"',
        "fi",
        ...restoreLines(),
        // As the owner too: the database's settings (its search_path) are the app's.
        'docker exec "$pg_container" psql -X -q -U "$owner" -d "$db" -c ANALYZE',
        'tables=$(docker exec "$pg_container" psql -X -At -U "$owner" -d "$db" -c "SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_user_tables")',
        'echo "restored $db from $file ($tables tables)"',
    ].join("\n");
}

/**
 * The database restored from "$file" (its TOC in "$toc"): the superuser creates the database with
 * its owner, settings and grants from the dump; every object in it is restored by the owner's own
 * login (the local socket trusts it), so nothing the app defined (a CHECK or a trigger calling its
 * functions) runs as the superuser, and nothing it runs can become the superuser again (SET ROLE
 * or --role could be reset).
 */
function restoreLines(): string[] {
    return [
        `created=$(printf '%s\\n' "$toc" | awk '${DATABASE_ENTRY}')`,
        `objects=$(printf '%s\\n' "$toc" | awk '!(${DATABASE_ENTRY})')`,
        'failed() { echo "restore of $db from $file FAILED; the database is incomplete.${safety:+ Its previous contents: restore --replace $db $safety}" >&2; exit 1; }',
        'pg_restore_listed "$created" docker exec -i "$pg_container" -- -U "$pg_user" --create --exit-on-error -d postgres < "$file" || failed',
        'restore_as() { local user=$1 list=$2; shift 2; pg_restore_listed "$list" docker exec -i "$pg_container" -- -U "$user" --exit-on-error "$@" -d "$db" < "$file"; }',
        'if [ "$(psql_pg -c "SELECT rolsuper FROM pg_roles WHERE rolname = \'$owner\'")" = t ]; then',
        // A superuser's database (shared_db) holds the apps' tables: the superuser restores the
        // definitions before and after the rows, and each table's rows are loaded by the table's
        // owner. Loading rows is what runs an app's code (CHECK constraints, generated columns);
        // indexes and materialized views are built as their owner by PostgreSQL itself.
        '  restore_as "$pg_user" "$objects" --section=pre-data || failed',
        `  for o in $(printf '%s\\n' "$objects" | awk '${DATA_ENTRY} { print $NF }' | sort -u); do`,
        '    [[ "$o" =~ ^[a-z0-9_]+$ ]] || { echo "$file: rows owned by $o, not a role name" >&2; failed; }',
        `    restore_as "$o" "$(printf '%s\\n' "$objects" | awk -v o="$o" '${DATA_ENTRY} && $NF == o')" --section=data || failed`,
        "  done",
        `  restore_as "$pg_user" "$(printf '%s\\n' "$objects" | awk '!${FOREIGN_KEY_ENTRY}')" --section=post-data || failed`,
        `  for o in $(printf '%s\\n' "$objects" | awk '${FOREIGN_KEY_ENTRY} { print $NF }' | sort -u); do`,
        '    [[ "$o" =~ ^[a-z0-9_]+$ ]] || { echo "$file: a foreign key owned by $o, not a role name" >&2; failed; }',
        `    restore_as "$o" "$(printf '%s\\n' "$objects" | awk -v o="$o" '${FOREIGN_KEY_ENTRY} && $NF == o')" --section=post-data || failed`,
        "  done",
        "else",
        '  restore_as "$owner" "$objects" || failed',
        "fi",
    ];
}
