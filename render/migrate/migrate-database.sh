# migrate-database: moves the platform's data between the PostgreSQL container and the managed
# database, with a verified copy and a short, measured write freeze (docs/runbooks/
# move-to-the-managed-database.md).
#   migrate-database copy      container -> managed: freeze writes on the container, dump, restore
#                              into the instance as each app's own user, verify row counts and
#                              checksums per table; the container stays frozen (the apps switch
#                              with `pulumi up`, database.managed.phase: switched)
#   migrate-database back      managed -> container: the way back, while the container is kept
#                              (phase switched): freeze on the instance, copy, verify, unfreeze the
#                              container (then phase: copying and `pulumi up`)
#   migrate-database unfreeze  the container takes writes again (an abandoned copy)
#   migrate-database verify    compare both sides, table by table, and change nothing
# stdout: one JSON line; stderr: progress. Exit 1 when anything differs or fails; a failed copy
# unfreezes the side it froze, so the platform keeps working where it was.
#
# Parameters come from the header rendered above (render/migrate/migrate.ts). Tests replace the
# two clients with PLATFORM_MIGRATE_SOURCE and PLATFORM_MIGRATE_TARGET (command words that run
# psql, pg_dump and pg_restore against each side, with PG* variables of the caller).

log() { printf '%s migrate-database: %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s.%N; }

# The container's tools as its superuser (local socket), or the test's words.
if [ -n "${PLATFORM_MIGRATE_SOURCE:-}" ]; then read -ra container <<<"$PLATFORM_MIGRATE_SOURCE"; else container=(docker exec -i "$pg_container"); fi
# The instance through a throwaway client container on the host's network, logging in with the
# PG* variables of this shell (never on a command line), or the test's words.
if [ -n "${PLATFORM_MIGRATE_TARGET:-}" ]; then
  read -ra managed <<<"$PLATFORM_MIGRATE_TARGET"
else
  # The password reaches the client through a password file of its uid alone (render/pgpass.sh),
  # rewritten for each login: never -e PGPASSWORD, which `docker inspect` of the client shows.
  pg_pass_file=$(mktemp)
  trap 'rm -f "$pg_pass_file"' EXIT
  managed=(docker run --rm -i --network host --read-only --cap-drop ALL --security-opt no-new-privileges:true --user "$(pg_client_user)"
    -v "$ca_file:$container_ca:ro" -v "$pg_pass_file:$pgpass_mount:ro" -e PGPASSFILE="$pgpass_mount"
    -e PGHOST -e PGPORT -e PGUSER -e PGSSLMODE -e PGSSLROOTCERT -e PGTZ -e PGDATESTYLE "$client_image")
  read -r PGHOST PGPORT <"$endpoint_file" || die "no address of the managed database in $endpoint_file"
  export PGHOST PGPORT PGSSLMODE="$ssl_mode" PGSSLROOTCERT="$container_ca"
fi
# The same text for the same row on both sides.
export PGTZ=UTC PGDATESTYLE=ISO

# The login (user, password) the instance is used with for a database: its app's own, the admin's for shared_db.
login_for() { # db
  local db user password
  while read -r db user password; do
    [ "$db" = "$1" ] && { export PGUSER="$user" PGPASSWORD="$password"; return 0; }
  done <"$logins_file"
  die "no login for $1 in $logins_file"
}
on_container() { "${container[@]}" "$@"; }
# The managed client's password file holds the current login (login_for): written before each call.
managed_login() { [ -z "${pg_pass_file:-}" ] || pgpass_write "$pg_pass_file" "${PGUSER:-}" "${PGPASSWORD:-}" || die "cannot write the password file $pg_pass_file"; }
on_managed() {
  managed_login
  "${managed[@]}" "$@"
}
# The container as USER over its local socket (trust, as the image sets it up): an app's database
# is read and restored by its own role, which nothing the app defined can raise to the superuser.
sql_container() { on_container psql -X -q -At -v ON_ERROR_STOP=1 -U "$1" -d "$2" -c "$3"; } # user db sql
sql_managed() { login_for "$1"; on_managed psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; } # db sql
# The instance's admin, in any database (freezing, and listing the freeze's objects).
admin_managed() { login_for "$admin_db_key"; on_managed psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; } # db sql
# Who owns a database's objects in the container: its app's role, the superuser for shared_db.
owner_on_container() { [ "$1" = "$shared_db" ] && echo "$superuser" || echo "${1%_db}"; }

# The write freeze is a lock in each database (freeze-on.sql): the app's role cannot lift it, and
# reads keep working. Off goes through every database even when one fails.
freeze_container() { # on|off
  local db rc=0 sql
  [ "$1" = on ] && sql=$freeze_on_sql || sql=$freeze_off_sql
  for db in "${dbs[@]}"; do
    sql_container "$superuser" "$db" "$sql" >/dev/null || { rc=1; [ "$1" = off ] || return 1; }
  done
  return "$rc"
}
freeze_managed() { # on|off
  local db rc=0 sql
  [ "$1" = on ] && sql=$freeze_on_sql || sql=$freeze_off_sql
  for db in "${dbs[@]}"; do
    admin_managed "$db" "$sql" >/dev/null || { rc=1; [ "$1" = off ] || return 1; }
  done
  return "$rc"
}

# Per table "rows checksum name", per sequence "last_value name" (fingerprint.sql): one statement
# on the server, as the database's owner (the app's own login on the instance); any error fails.
fingerprint() { # side db
  if [ "$1" = container ]; then sql_container "$(owner_on_container "$2")" "$2" "$fingerprint_sql"; else sql_managed "$2" "$fingerprint_sql"; fi
}

copy_one() { # from to db
  local from=$1 to=$2 db=$3 dump="$work/$3.dump" skip toc
  # The freeze's own objects stay behind (freeze-objects.sql lists them, pg_restore -L leaves them out).
  if [ "$from" = container ]; then
    on_container pg_dump -U "$superuser" --format=custom --no-owner --no-privileges --exclude-schema=platform_freeze -d "$db" >"$dump" || return 1
    skip=$(sql_container "$superuser" "$db" "$freeze_objects_sql") || return 1
  else
    login_for "$db"; on_managed pg_dump --format=custom --no-owner --no-privileges --exclude-schema=platform_freeze -d "$db" >"$dump" || return 1
    skip=$(admin_managed "$db" "$freeze_objects_sql") || return 1
  fi
  toc=$("on_$to" pg_restore -l <"$dump" | awk -v skip="$skip" 'BEGIN { n = split(skip, s, "\n"); for (i = 1; i <= n; i++) drop[s[i]] = 1 } !(($2 " " $3) in drop)') || return 1
  # Objects belong to whoever restores: each app's own login for its database, on either side.
  if [ "$to" = managed ]; then
    login_for "$db"; managed_login; pg_restore_listed "$toc" "${managed[@]}" -- --no-owner --no-privileges --clean --if-exists --single-transaction -d "$db" <"$dump" || return 1
  elif [ "$db" != "$shared_db" ]; then
    pg_restore_listed "$toc" "${container[@]}" -- -U "$(owner_on_container "$db")" --no-owner --no-privileges --clean --if-exists --single-transaction -d "$db" <"$dump" || return 1
  else
    # shared_db is the superuser's database, but nothing in it may be the superuser's: what an app
    # wrote (a SECURITY DEFINER function, a view, an index expression) runs with its owner's rights
    # when called, read, built or analysed. The superuser empties the schema and restores the
    # extensions; everything else, rows included, is restored by a granted app's login, which owns it.
    local loader=${shared_grants[0]:-$superuser} r extensions objects
    local clear="SET search_path = pg_catalog; DROP SCHEMA public CASCADE; CREATE SCHEMA public; REVOKE ALL ON SCHEMA public FROM PUBLIC;"
    for r in "${shared_grants[@]}"; do clear="$clear GRANT USAGE, CREATE ON SCHEMA public TO $r;"; done
    extensions=$(awk '$4 == "EXTENSION" || ($4 == "COMMENT" && $6 == "EXTENSION")' <<<"$toc")
    objects=$(awk '!($4 == "EXTENSION" || ($4 == "COMMENT" && $6 == "EXTENSION"))' <<<"$toc")
    sql_container "$superuser" "$db" "$drop_foreign_keys_sql" >/dev/null || return 1
    sql_container "$superuser" "$db" "$clear" >/dev/null || return 1
    if [ -n "$extensions" ]; then
      pg_restore_listed "$extensions" "${container[@]}" -- -U "$superuser" --no-owner --no-privileges --exit-on-error --section=pre-data -d "$db" <"$dump" || return 1
    fi
    pg_restore_listed "$objects" "${container[@]}" -- -U "$loader" --no-owner --no-privileges --exit-on-error -d "$db" <"$dump" || return 1
  fi
  [ "$db" != "$shared_db" ] || grant_shared "$to"
}
# shared_db's objects belong to one login after a restore: the granted apps get them all back.
grant_shared() { # side
  local r sql=""
  for r in "${shared_grants[@]}"; do sql="${sql}GRANT ALL ON ALL TABLES IN SCHEMA public TO $r; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO $r; "; done
  [ -z "$sql" ] && return 0
  if [ "$1" = container ]; then sql_container "$superuser" "$shared_db" "$sql" >/dev/null; else sql_managed "$shared_db" "$sql" >/dev/null; fi
}

verify() { # prints JSON of every database; returns 1 when any differs
  local db differ=0 a b tables rows first=1
  printf '['
  for db in "${dbs[@]}"; do
    a=$(fingerprint container "$db") || die "cannot read $db in the container"
    b=$(fingerprint managed "$db") || die "cannot read $db on the managed instance"
    tables=$(grep -c '^table ' <<<"$a" || true)
    rows=$(awk '$1 == "table" { s += $2 } END { print s + 0 }' <<<"$a")
    if [ "$a" = "$b" ]; then same=true; else same=false; differ=1; log "$db differs:"; diff <(echo "$a") <(echo "$b") >&2 || true; fi
    [ "$first" = 1 ] || printf ','
    first=0
    printf '{"database":"%s","tables":%d,"rows":%d,"identical":%s}' "$db" "$tables" "$rows" "$same"
  done
  printf ']'
  return "$differ"
}

move() { # from to
  local from=$1 to=$2 started frozen report
  started=$(now)
  # shellcheck disable=SC2317 # called by the trap
  thaw() { "freeze_$from" off || log "could not let writes in again on the $from side: run migrate-database unfreeze"; }
  trap 'thaw; rm -rf "$work" "${pg_pass_file:-}"' EXIT
  "freeze_$from" on || die "cannot stop writes on the $from side"
  frozen=$(now)
  log "writes stopped on the $from side; copying ${dbs[*]}"
  # Coming back, the container is still frozen from the copy: it takes the restore.
  [ "$to" = managed ] || freeze_container off || die "cannot lift the freeze on the container to restore into it"
  for db in "${dbs[@]}"; do copy_one "$from" "$to" "$db" || die "copying $db failed; writes go on on the $from side"; done
  if ! report=$(verify); then
    printf '{"direction":"%s","ok":false,"databases":%s}\n' "$from-to-$to" "$report"
    die "the copy differs from its source; writes go on on the $from side"
  fi
  # The copy is good: the side it came from stays frozen (nothing may change it behind the copy).
  trap 'rm -rf "$work" "${pg_pass_file:-}"' EXIT
  [ "$to" = managed ] || freeze_container off
  awk -v s="$started" -v f="$frozen" -v e="$(now)" -v d="$from-to-$to" -v r="$report" 'BEGIN {
    printf "{\"direction\":\"%s\",\"ok\":true,\"freezeSeconds\":%.2f,\"databases\":%s}\n", d, e - f, r }'
}

work=$(mktemp -d)
chmod 700 "$work"
trap 'rm -rf "$work" "${pg_pass_file:-}"' EXIT
case "${1:-}" in
  copy) move container managed; log "done: set database.managed.phase: switched and run pulumi up; the container stays frozen until then" ;;
  back) move managed container; log "done: set database.managed.phase: copying and run pulumi up" ;;
  unfreeze) freeze_container off; log "the container takes writes again" ;;
  verify) report=$(verify) && ok=true || ok=false; printf '{"ok":%s,"databases":%s}\n' "$ok" "$report"; [ "$ok" = true ] ;;
  *) echo "usage: migrate-database copy|back|unfreeze|verify" >&2; exit 64 ;;
esac
