#!/usr/bin/env bash
# A PostgreSQL 15 of this machine (Debian's), run as the postgres user, standing in for a managed
# database elsewhere on the private network: TLS only (plain connections are refused), its own CA
# whose certificate names the listen address (clients use sslmode=verify-full), scram passwords.
#   postgres-standin.sh up DIR ADDRESS PORT   initdb (once), certificates, start; the admin (postgres)
#                                             password is in DIR/admin-password, the CA in DIR/ca.pem
#   postgres-standin.sh down DIR              stop it (pg_ctl, its own pid file)
# The migration test runs two of these for the old and the new database.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
as_pg() { runuser -u postgres -- "$@"; }

up() {
  local dir=$1 address=$2 port=$3
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 755 "$dir"
  if [ ! -s "$dir/data/PG_VERSION" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/admin-password")
    chown postgres "$dir/admin-password"
    as_pg "$BIN/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 --pwfile="$dir/admin-password" >/dev/null
  fi
  if [ ! -s "$dir/ca.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=multi-server test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$address" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
      -extfile <(printf 'subjectAltName=IP:%s\n' "$address") -out "$dir/server.crt" 2>/dev/null
    chown postgres "$dir/server.key" "$dir/server.crt"
    chmod 600 "$dir/server.key"
    chmod 644 "$dir/ca.pem"
  fi
  cat >"$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '$address'
port = $port
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
max_connections = 200
# Who connected to what, and whether over TLS: the multi-server run reads it (the nightly dump).
log_connections = on
CONF
  cat >"$dir/data/pg_hba.conf" <<'HBA'
local   all   postgres                 peer
hostssl all   all       0.0.0.0/0      scram-sha-256
hostnossl all all       0.0.0.0/0      reject
HBA
  chown postgres "$dir/data/postgresql.auto.conf" "$dir/data/pg_hba.conf"
  if ! as_pg "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null
  fi
}

case "${1:-}" in
  up) up "$2" "$3" "$4" ;;
  down) as_pg "$BIN/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null 2>&1 || true ;;
  *) echo "usage: $0 up DIR ADDRESS PORT | down DIR" >&2; exit 64 ;;
esac
