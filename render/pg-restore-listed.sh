# pg_restore_listed LIST CLIENT-WORDS... -- PG_RESTORE-ARGS... <ARCHIVE
# pg_restore of the archive on stdin, limited to the table of contents LIST (pg_restore -L), inside
# the client the words name (docker exec or a throwaway container: no file of ours is in there).
# The list travels ahead of the archive on the same stdin, its length in bytes on the first line;
# bash reads a pipe one byte at a time, so pg_restore gets the archive from its first byte.
# pg_restore stops reading once it has what the list names; the rest of the archive then meets a
# closed pipe (SIGPIPE, 141), which under pipefail would fail a restore that worked. A short read
# of the archive still fails: pg_restore reports it.
pg_restore_listed() {
  local list=$1 words=()
  shift
  while [ "$1" != -- ]; do words+=("$1"); shift; done
  shift
  # shellcheck disable=SC2016 # the quoted script runs in the client's bash, with its own variables
  { printf '%s\n' "$(printf '%s' "$list" | wc -c)"; printf '%s' "$list"; cat || [ $? -eq 141 ]; } |
    "${words[@]}" env LC_ALL=C bash -c 'IFS= read -r n && IFS= read -r -d "" -N "$n" toc
      [ "${#toc}" = "$n" ] || { echo "pg_restore: the table of contents did not arrive whole" >&2; exit 1; }
      pg_restore -L <(printf "%s" "$toc") "$@"' pg_restore "$@"
}
