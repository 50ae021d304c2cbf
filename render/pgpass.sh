# shellcheck shell=bash
# shellcheck disable=SC2034 # pgpass_mount is used by the scripts this is rendered into
# A PostgreSQL client container's password never in its environment, which `docker inspect` and
# diagnostics dumps show: libpq reads it from a password file (PGPASSFILE, .pgpass form) that only
# the container's uid can read (0600), mounted read-only. Rendered into the scripts that run
# clients (render/backup/managed-client.ts, render/migrate/migrate.ts), never run on its own.

pgpass_mount=/run/platform/pgpass
# The uid:gid a client container runs as: nobody when we are root (the file is given to it), else
# ourselves (the deploy user cannot give a file away).
pg_client_user() { if [ "$EUID" -eq 0 ]; then echo 65534:65534; else echo "$(id -u):$(id -g)"; fi; }
# Writes FILE for one login: `*:*:*:user:password`, each : and \ escaped as libpq reads them.
pgpass_write() { # file user password
  local user=${2//\\/\\\\} password=${3//\\/\\\\}
  ( umask 077 && printf '*:*:*:%s:%s\n' "${user//:/\\:}" "${password//:/\\:}" >"$1.tmp" ) &&
    { [ "$EUID" -ne 0 ] || chown 65534:65534 "$1.tmp"; } && mv -f "$1.tmp" "$1"
}
# A PG* env file -> the password file (its PGUSER's PGPASSWORD) and an env file of the rest.
pgpass_split() { # envfile passfile plainfile
  local line user="" password=""
  ( umask 077 && : >"$3.tmp" ) || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      PGPASSWORD=*) password=${line#PGPASSWORD=} ;;
      *) [[ $line != PGUSER=* ]] || user=${line#PGUSER=}; printf '%s\n' "$line" >>"$3.tmp" ;;
    esac
  done <"$1"
  mv -f "$3.tmp" "$3" && pgpass_write "$2" "$user" "$password"
}
