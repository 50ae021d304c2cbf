#!/usr/bin/env bash
# Entrypoint of local/postgres:15, a stand-in for the official postgres:15 image's
# docker-entrypoint.sh, covering what the platform uses:
#   POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE, POSTGRES_USER (default postgres),
#   POSTGRES_DB (default $POSTGRES_USER), POSTGRES_INITDB_ARGS, PGDATA
#   (default /var/lib/postgresql/data), /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz}.
# On an empty PGDATA it runs initdb (trust on the local socket, scram-sha-256 over TCP), sets the
# superuser password and listen_addresses='*'; then it runs postgres in the foreground as the
# postgres user. Started as root, it fixes ownership and drops privileges with setpriv.
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR from $VAR or from the file named by $VAR_FILE (not both).
file_env() {
	local var="$1" def="${2:-}"
	local fileVar="${var}_FILE"
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
		exit 1
	fi
	local val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!fileVar:-}" ]; then
		val="$(<"${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

log() { printf '%s entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
	export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

# As root: create PGDATA and the socket directory and hand them to postgres.
create_dirs_as_root() {
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA" || :
	chmod 03775 /var/run/postgresql || :
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
}

verify_password_set() {
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOM'
			Error: Database is uninitialized and superuser password is not specified.
			       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value, or
			       POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password.
		EOM
		exit 1
	fi
}

init_database_dir() {
	log "initializing $PGDATA for superuser $POSTGRES_USER"
	local pwfile
	pwfile="$(mktemp)"
	printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" \
		--auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
		--encoding=UTF8 --locale=C.UTF-8 \
		${POSTGRES_INITDB_ARGS:-} >/dev/null
	rm -f "$pwfile"
	{
		echo
		echo "# added by the entrypoint: password login from any address"
		echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
	# The config sample already says listen_addresses = '*'; make sure whatever initdb wrote does.
	if ! grep -q "^listen_addresses = '\*'" "$PGDATA/postgresql.conf"; then
		echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
	fi
}

temp_server_start() {
	# Socket only while initializing, so nothing outside sees a half-ready server.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w -t 60 start >/dev/null
}

temp_server_stop() {
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
}

psql_local() {
	psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" "$@"
}

setup_db() {
	if [ "$POSTGRES_DB" != postgres ]; then
		local exists
		exists="$(psql_local --dbname postgres -tA -v db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")"
		if [ -z "$exists" ]; then
			log "creating database $POSTGRES_DB"
			psql_local --dbname postgres -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
		fi
	fi
}

run_init_files() {
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					log "running $f"
					"$f"
				else
					log "sourcing $f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql) log "running $f"; psql_local --dbname "$POSTGRES_DB" -f "$f" >/dev/null ;;
			*.sql.gz) log "running $f"; gunzip -c "$f" | psql_local --dbname "$POSTGRES_DB" >/dev/null ;;
			*) log "ignoring $f" ;;
		esac
	done
}

main() {
	# `docker run local/postgres:15 -c foo=bar` means `postgres -c foo=bar`, as in the official image.
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi

	if [ "$1" = postgres ]; then
		setup_env
		if [ "$(id -u)" = 0 ]; then
			create_dirs_as_root
			exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
		fi
		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			verify_password_set
			init_database_dir
			temp_server_start
			setup_db
			run_init_files
			temp_server_stop
			log "initialization complete; starting postgres"
		else
			log "$PGDATA already holds a database; skipping initialization"
		fi
	fi
	exec "$@"
}

main "$@"
