// The nightly backup job: pg_dump (custom format) of every database, one timestamped file each,
// verified by reading it back, then retention and the optional off-site copy. Any failure makes
// the job exit non-zero and is written to the summary the status report reads: never silent.
import type { BackupsConfig } from "../../config/schema";
import { shq } from "../shell";
import { BACKUPS_DIR, BACKUP_SUMMARY, OpsTargets, opsVars } from "./layout";
import { pruneFunction } from "./retention";
import { offsiteUpload } from "./offsite";
import { ManagedClient, managedClientLines } from "./managed-client";
import { ROWS_SUFFIX, snapshotFunctions } from "./dump-manifest";

/** How the script reaches PostgreSQL: the container's tools as its superuser, or a client container for the managed instance. */
function sourceLines(m: ManagedClient | undefined) {
    const container = {
        list: [
            'if ! dbs=$(docker exec "$pg_container" psql -X -At -v ON_ERROR_STOP=1 -U "$pg_user" -d postgres -c "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> \'postgres\' ORDER BY 1" 2>"$err"); then',
            '  fail "*" "cannot list databases in $pg_container: $(tr \'\\n\' \' \' < "$err")"',
            "  finish",
            "fi",
        ],
        each: "for db in $dbs globals; do",
        psql: 'docker exec -i "$pg_container" psql -X -q -At -v ON_ERROR_STOP=1 -U "$pg_user" -d "$1"',
        dump: '    dump=(docker exec "$pg_container" pg_dump -U "$pg_user" --format=custom --compress=6 --snapshot="$snap" -d "$db")',
        readBack: '  if [ "$db" != globals ] && ! docker exec -i "$pg_container" pg_restore -f /dev/null < "$part" 2>"$err"; then',
    };
    if (!m) return { setup: [], ...container };
    return {
        setup: managedClientLines(m),
        list: [],
        // Scaleway's users are declared by the program: no role dump.
        each: "for db in $dbs; do",
        psql: '"${pg_client[@]}" psql -X -q -At -v ON_ERROR_STOP=1 -d "$1"',
        dump: '    dump=("${pg_client[@]}" pg_dump --format=custom --compress=6 --snapshot="$snap" -d "$db")',
        readBack: '  if [ "$db" != globals ] && ! "${pg_client[@]}" pg_restore -f /dev/null < "$part" 2>"$err"; then',
    };
}

/** The job's cleanup, its summary lines and its exits; the snapshot the dump and its row manifest share. */
function jobHelpers(psqlCmd: string): string[] {
    return [
        `trap 'rm -f "$report" "$err"; [ -z "\${part:-}" ] || rm -f "$part" "$part${ROWS_SUFFIX}"; [ -z "$stage" ] || rm -rf "$stage"' EXIT`,
        ...snapshotFunctions(psqlCmd),
        'failures=0',
        // One summary line per database: db, result, bytes, seconds, file, message.
        "record() { printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' \"$@\" >> \"$report\"; }",
        "fail() { echo \"FAILED $1: $2\" >&2; record \"$1\" failed 0 0 - \"$2\"; failures=$((failures + 1)); }",
        // A failed dump's partial file goes at once: on a full disk it would starve the next database.
        `fail_db() { snapshot_close; rm -f "$part" "$part${ROWS_SUFFIX}"; part=; fail "$@"; }`,
        "finish() { cp \"$report\" \"$summary.tmp\" && mv -f \"$summary.tmp\" \"$summary\"; if [ \"$failures\" -gt 0 ]; then echo \"backup finished with $failures failure(s)\" >&2; exit 1; fi; echo 'backup finished: every database dumped'; exit 0; }",
    ];
}

/**
 * With `managed`, the databases are the managed instance's, dumped over TLS by a throwaway client
 * container as the backup user (it reads, nothing else). Otherwise every database of the
 * PostgreSQL container, and its roles.
 */
export function backupJobScript(t: OpsTargets, b: BackupsConfig, managed?: ManagedClient): string {
    const src = sourceLines(managed);
    return [
        ...opsVars(t, "root", "postgres"),
        ...src.setup,
        `backups="$root/${BACKUPS_DIR}"`,
        `summary="$root/${BACKUP_SUMMARY}"`,
        `keep_daily=${b.keepDaily}`,
        `keep_weekly=${b.keepWeekly}`,
        `min_free_mb=\${PLATFORM_BACKUP_MIN_FREE_MB:-${b.minFreeMb}}`,
        pruneFunction(),
        // Dumps hold every app's data: only the deploy user may read them.
        "umask 077",
        'mkdir -p "$backups" "$(dirname "$summary")"',
        'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
        'report=$(mktemp)',
        'err=$(mktemp)',
        // stage: the off-site copy's encrypted files (render/backup/offsite.ts), when it runs.
        "stage=",
        ...jobHelpers(src.psql),
        // A full disk must fail before writing half a dump, not after.
        'free_mb=$(( $(df -Pk "$backups" | awk \'NR == 2 { print $4 }\') / 1024 ))',
        'if [ "$free_mb" -lt "$min_free_mb" ]; then fail "*" "only ${free_mb} MB free on the backup disk, below ${min_free_mb} MB; free space or lower backups.minFreeMb"; finish; fi',
        ...src.list,
        src.each,
        '  dir="$backups/$db"',
        '  mkdir -p "$dir"',
        '  if [ "$db" = globals ]; then file="$dir/globals_$stamp.sql"; else file="$dir/${db}_$stamp.dump"; fi',
        '  part="$file.partial"',
        "  started=$(date +%s)",
        // Roles without password hashes: a rebuild's `pulumi up` sets the passwords again.
        '  if [ "$db" = globals ]; then',
        '    dump=(docker exec "$pg_container" pg_dumpall -U "$pg_user" --globals-only --no-role-passwords)',
        "  else",
        // The dump and its row manifest see one snapshot: the drill checks the restore against it.
        '    if ! snapshot_open "$db"; then fail_db "$db" "cannot open a snapshot of $db: $(tr \'\\n\' \' \' < "$err")"; continue; fi',
        src.dump,
        "  fi",
        // cat reports a failed write (ENOSPC) with its exit status; pipefail passes it on.
        '  if ! "${dump[@]}" 2>"$err" | cat 2>>"$err" > "$part"; then fail_db "$db" "dump failed: $(tr \'\\n\' \' \' < "$err")"; continue; fi',
        '  if [ ! -s "$part" ]; then fail_db "$db" "dump is empty"; continue; fi',
        // Read the whole archive back: a truncated or corrupt dump fails here, not on restore day.
        `${src.readBack} fail_db "$db" "dump does not read back: $(tr '\\n' ' ' < "$err")"; continue; fi`,
        `  if [ "$db" != globals ]; then`,
        `    if ! snapshot_rows "$part${ROWS_SUFFIX}"; then fail_db "$db" "cannot count the rows of $db in the dump's snapshot: $(tr '\\n' ' ' < "$err")"; continue; fi`,
        "    snapshot_close",
        `    mv -f "$part${ROWS_SUFFIX}" "$file${ROWS_SUFFIX}" || { fail_db "$db" "cannot move the row manifest into place"; continue; }`,
        "  fi",
        '  if ! mv -f "$part" "$file"; then fail_db "$db" "cannot move the dump into place"; continue; fi',
        "  part=",
        '  bytes=$(stat -c %s "$file")',
        '  seconds=$(( $(date +%s) - started ))',
        '  record "$db" ok "$bytes" "$seconds" "$file" ""',
        '  echo "ok $db: $bytes bytes in ${seconds}s -> $file"',
        '  prune_backups "$dir" "$keep_daily" "$keep_weekly"',
        "done",
        ...(b.offsite.enabled && b.offsite.bucket ? offsiteUpload(b) : []),
        "finish",
    ].join("\n");
}

/** `prune-backups [--dry-run]`: applies retention to every backup folder by hand. */
export function pruneCommandScript(t: OpsTargets, b: BackupsConfig): string {
    return [
        ...opsVars(t, "root"),
        `backups="$root/${BACKUPS_DIR}"`,
        `keep_daily=\${PLATFORM_KEEP_DAILY:-${b.keepDaily}}`,
        `keep_weekly=\${PLATFORM_KEEP_WEEKLY:-${b.keepWeekly}}`,
        pruneFunction(),
        'dry="${1:-}"',
        `case "$dry" in ""|--dry-run) ;; *) echo ${shq("usage: prune-backups [--dry-run]")} >&2; exit 64 ;; esac`,
        'for dir in "$backups"/*/; do',
        '  [ -d "$dir" ] || continue',
        '  prune_backups "${dir%/}" "$keep_daily" "$keep_weekly" "$dry"',
        "done",
    ].join("\n");
}
