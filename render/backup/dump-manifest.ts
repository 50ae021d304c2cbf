// The row manifest beside each dump (<dump>.rows): every table's row count, counted in the very
// snapshot pg_dump dumps (a psql session exports it and pg_dump --snapshot uses it), so the dump
// drill (dump-drill.sh) can hold a restore to exact counts while apps keep writing.
/** Suffix of the manifest file next to a dump. */
export const ROWS_SUFFIX = ".rows";

/**
 * Shell functions for the backup script: `snapshot_open DB` (a psql coprocess on DB holding a
 * repeatable-read transaction; sets snap), `snapshot_rows FILE` (writes the manifest: a
 * "# snapshot EPOCH" line, then "schema.table<TAB>rows" lines) and `snapshot_close`. `psql_cmd`
 * is how the script runs psql (the container's or the managed client's).
 */
export function snapshotFunctions(psqlCmd: string): string[] {
    return [
        `psql_cmd() { ${psqlCmd}; }`,
        "snap=",
        // Closing psql's input ends it (the read-only transaction rolls back).
        "snapshot_close() { local fd=\"${SNAP[1]:-}\"; [ -z \"$fd\" ] || exec {fd}>&-; [ -z \"${SNAP_PID:-}\" ] || wait \"$SNAP_PID\" 2>/dev/null || true; SNAP_PID=; snap=; }",
        "snapshot_open() {",
        '  coproc SNAP { psql_cmd "$1" 2>>"$err"; }',
        // pg_catalog's functions only: the database's own search_path (its owner's to set) would
        // have this session, the superuser's, call the app's count(*) or now(); a read-only
        // transaction does not stop them (a superuser's COPY TO PROGRAM runs anyway).
        '  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog; SELECT pg_export_snapshot();" >&"${SNAP[1]}"',
        '  read -r -t 60 -u "${SNAP[0]}" snap || snap=',
        '  [[ "$snap" =~ ^[0-9A-F-]+$ ]] || { snapshot_close; return 1; }',
        "}",
        // One line per table, then an end mark: the coprocess stays open until the marker is read.
        "snapshot_rows() {",
        "  local line",
        "  {",
        "    echo \"SELECT '# snapshot ' || extract(epoch FROM now())::bigint;\"",
        "    echo \"SELECT format('SELECT %L || chr(9) || count(*) FROM %I.%I', quote_ident(schemaname) || '.' || quote_ident(tablename), schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 \\\\gexec\"",
        "    echo \"SELECT '# end';\"",
        '  } >&"${SNAP[1]}"',
        '  : > "$1"',
        '  while read -r -t 600 -u "${SNAP[0]}" line; do [ "$line" = "# end" ] && return 0; printf \'%s\\n\' "$line" >> "$1"; done',
        "  return 1",
        "}",
    ];
}
