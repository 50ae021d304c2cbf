# pgBackRest on the server: scheduled backups, the two restores and the nightly drill.
# longer: one script for the jobs and the commands, which share its helpers (pb_restore, scratch).
# Rendered by render/backup/pitr-jobs.ts under a header that sets: root, pg_container, pg_user,
# stanza, conf (the host's pgbackrest.conf, secret), pb_container (where the repositories are: the
# repository host, or pg_container without one), pg_tls_host, egress_network (restores from the
# bucket; empty without a repository host), repo_volume, repos (e.g. "1 2"),
# pgdata, drill_file, archive_timeout, and runs one of the main_* functions (restore-database: pitr-restore-database.sh). PLATFORM_PITR_DOCKER_ARGS adds
# `docker run` arguments to the throwaway containers (the tests' network and CA; empty in
# production). restore-database hands the dump it took to <root>/bin/restore (render/backup/restore.ts).
# shellcheck shell=bash disable=SC2154 # the header sets the variables

read -r -a extra_args <<<"${PLATFORM_PITR_DOCKER_ARGS:-}"
conf_mount="/etc/pgbackrest/pgbackrest.conf"
# Room kept free beyond the databases' size when a copy of the cluster is restored beside them.
free_margin_mb="${PLATFORM_PITR_FREE_MARGIN_MB:-1024}"
data_mount="/var/lib/postgresql/data"

die() { echo "$*" >&2; exit 1; }
# value_of OPTION COUNT USAGE: an option's value must follow it (`shift 2` past the end would end the
# script under set -e without a word).
value_of() { [ "$2" -ge 2 ] || die "$1 needs a value; $3"; }
# pgBackRest as postgres where the repositories are (archive-push runs in PostgreSQL's container).
pb_live() { docker exec --user postgres "$pb_container" pgbackrest --stanza="$stanza" "$@"; }
repo_host() { [ "$pb_container" != "$pg_container" ]; }
# With a repository host, backups reach PostgreSQL through `pgbackrest server` in its container,
# started by the stack for each new container; a restarted container lost it, so it is started again.
pg_server_up() {
	repo_host || return 0
	docker exec --user postgres "$pb_container" pgbackrest server-ping "$pg_tls_host" >/dev/null 2>&1 && return 0
	docker exec -d --user postgres "$pg_container" pgbackrest server || return 1
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		docker exec --user postgres "$pb_container" pgbackrest server-ping "$pg_tls_host" >/dev/null 2>&1 && return 0
		sleep 1
	done
	echo "pgbackrest server in $pg_container does not answer" >&2
	return 1
}
# other_cluster: the repositories hold a stanza and none of its clusters is the live one (a rebuilt
# server meeting the lost cluster's bucket): stanza-create would make repo1 for the wrong cluster.
other_cluster() {
	local sysid held
	sysid=$(psql_in "$pg_container" postgres -c "SELECT system_identifier FROM pg_catalog.pg_control_system()") || return 1
	held=$(pb_live --output=json info 2>/dev/null | grep -o '"system-id":[0-9]*' | cut -d: -f2 | sort -u) || return 1
	[ -n "$held" ] && ! grep -qxF "$sysid" <<<"$held"
}
# stanza-create (idempotent) takes the archive lock, which archive-push holds while it pushes (after
# a restore, for a while): retried until it is free.
pb_stanza() {
	local out i
	for i in $(seq 1 60); do
		if out=$(pb_live stanza-create 2>&1); then printf '%s\n' "$out"; return 0; fi
		case "$out" in *"unable to acquire lock"*) sleep 2 ;; *) printf '%s\n' "$out" >&2; return 1 ;; esac
	done
	printf '%s\n' "$out" >&2
	return 1
}
# The repository host's file names PostgreSQL as pg1-host; a restore runs where the data is.
restore_args=()
repo_host && restore_args=(--reset-pg1-host)
psql_in() { local c="$1" db="$2"; shift 2; docker exec -i "$c" psql -X -q -At -v ON_ERROR_STOP=1 -U "$pg_user" -d "$db" "$@"; }
# psql_as CONTAINER DB ROLE ARGS...: as the role's own login (the local socket trusts it).
psql_as() { local c="$1" db="$2" u="$3"; shift 3; docker exec -i "$c" psql -X -q -At -v ON_ERROR_STOP=1 -U "$u" -d "$db" "$@"; }
# db_owner CONTAINER DB: the database's owner, a plain role name, or nothing.
db_owner() {
	local o
	o=$(psql_in "$1" postgres -c "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname = '$2'") || return 1
	[[ "$o" =~ ^[a-z0-9_]+$ ]] || { echo "the owner of $2 is not a plain role name" >&2; return 1; }
	printf '%s\n' "$o"
}
live_image() { docker inspect -f '{{.Image}}' "$pg_container"; }
live_volume() { docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$data_mount\"}}{{.Name}}{{end}}{{end}}" "$pg_container"; }

# use_repo REPO: the throwaway containers' docker arguments (net_args). From the server's own
# repository (repo1) they get no network at all: they hold every app's data and mount the cipher
# passphrase. From the bucket (repo2) they need the network to fetch backups and WAL.
net_args=()
use_repo() {
	net_args=()
	if [ "$1" = 1 ] || { [ -z "$1" ] && [ "$repos" = 1 ]; }; then
		local i=0
		while [ "$i" -lt "${#extra_args[@]}" ]; do
			case "${extra_args[$i]}" in
				--network | --net) i=$((i + 2)) ;;
				--network=* | --net=*) i=$((i + 1)) ;;
				*) net_args+=("${extra_args[$i]}"); i=$((i + 1)) ;;
			esac
		done
		net_args+=(--network none)
	else
		net_args=("${extra_args[@]}")
		# Production passes no network: the repository host's egress network, not Docker's default.
		if [ -n "$egress_network" ] && [[ " ${extra_args[*]} " != *" --network"* ]]; then net_args+=(--network "$egress_network"); fi
	fi
}

# pb_restore VOLUME ARGS...: `pgbackrest restore` into VOLUME from a throwaway container of the
# live image; repo1 read-only (a restore only reads it). use_repo first.
pb_restore() {
	local volume="$1"
	shift
	docker run --rm --user postgres "${net_args[@]}" --entrypoint pgbackrest \
		-v "$volume:$data_mount" -v "$conf:$conf_mount:ro" -v "$repo_volume:/var/lib/pgbackrest:ro" \
		"$image" --stanza="$stanza" --pg1-path="$pgdata" "${restore_args[@]}" "$@" restore
}

# scratch_start NAME VOLUME: PostgreSQL on a restored volume, archiving off, no port published.
scratch_start() {
	docker run -d --name "$1" --user postgres "${net_args[@]}" -e PGDATA="$pgdata" \
		--tmpfs /var/run/postgresql --tmpfs /tmp \
		-v "$2:$data_mount" -v "$conf:$conf_mount:ro" -v "$repo_volume:/var/lib/pgbackrest:ro" \
		"$image" postgres -c archive_mode=off -c listen_addresses='' >/dev/null
}

# wait_promoted NAME SECONDS: until recovery has ended and the server takes writes.
wait_promoted() {
	local name="$1" deadline=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] ||
			{ docker logs --tail 15 "$name" >&2 2>&1; echo "the restored PostgreSQL stopped (its log is above)" >&2; return 1; }
		[ "$(psql_in "$name" postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && return 0
		sleep 1
	done
	docker logs --tail 15 "$name" >&2 2>&1
	echo "recovery did not finish within $2 s" >&2
	return 1
}

# The newest commit the recovery replayed, from PostgreSQL's end-of-recovery line (UTC).
last_replayed() { docker logs "$1" 2>&1 | sed -n 's/.*last completed transaction was at log time \(.*\)$/\1/p' | tail -n 1; }

# free_space_problem: nothing when the disk under live PostgreSQL (where Docker puts the copy's
# volume too) has room for a restored copy of the cluster, its databases' size plus a margin;
# else why not.
free_space_problem() {
	local need_mb free_mb
	need_mb=$(psql_in "$pg_container" postgres -c "SELECT (pg_catalog.sum(pg_catalog.pg_database_size(oid)) / 1048576)::bigint FROM pg_catalog.pg_database") ||
		{ echo "cannot read the databases' size"; return 0; }
	need_mb=$((need_mb + free_margin_mb))
	free_mb=$(docker exec "$pg_container" df -Pk "$data_mount" | awk 'NR == 2 { print int($4 / 1024) }') || { echo "cannot read the free space on the database disk"; return 0; }
	[ "$free_mb" -ge "$need_mb" ] ||
		echo "only $free_mb MB free on the database disk; a restored copy needs $need_mb MB (the databases plus $free_margin_mb MB): free space, nothing was restored"
}

# The UTC time a restore goes to: "YYYY-MM-DD HH:MM:SS", seconds required, not in the future.
check_at() {
	if ! [[ "$1" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] || ! date -u -d "$1" +%s >/dev/null 2>&1; then
		die "--at must be a UTC time such as \"2026-12-06 10:42:17\", got \"$1\""
	fi
	# A time to come cannot be reached: recovery would end before it, after a whole restore.
	[ "$(date -u -d "$1" +%s)" -le "$(date -u +%s)" ] || die "--at \"$1\" is in the future (now: $(date -u '+%Y-%m-%d %H:%M:%S') UTC); --at is UTC"
}

scratch=""
scratch_volume=""
cleanup_scratch() {
	[ -z "$scratch" ] || docker rm -f "$scratch" >/dev/null 2>&1 || true
	[ -z "$scratch_volume" ] || docker volume rm -f "$scratch_volume" >/dev/null 2>&1 || true
}

# --- scheduled backups (pitr-full, pitr-diff) ---------------------------------------------------

# main_backup TYPE: the stanza made or checked (idempotent), then one backup per repository, then
# repo1's expiry. The bucket (repo2) is never expired from the server: its key cannot delete, and
# the bucket's lock and lifecycle keep and end its history (components/pitr-store.ts).
main_backup() {
	local type="$1" repo failures=0
	pg_server_up || die "PostgreSQL's pgBackRest server cannot be reached from $pb_container"
	! other_cluster || die "the repositories hold another cluster's backups (a rebuilt server?): restore it first with restore-cluster --yes --repo 2 (docs/runbooks/rebuild-the-server.md); nothing was backed up"
	pb_stanza || die "stanza-create failed: is archiving configured? (docs/runbooks/restore-a-database.md)"
	for repo in $repos; do
		if pb_live --repo="$repo" --type="$type" backup; then
			echo "ok: $type backup to repo$repo"
		else
			echo "FAILED: $type backup to repo$repo" >&2
			failures=$((failures + 1))
		fi
	done
	pb_live --repo=1 expire || { echo "FAILED: expire of repo1" >&2; failures=$((failures + 1)); }
	[ "$failures" = 0 ] || die "$failures of the $type backups failed"
	pb_live check || die "pgbackrest check failed: WAL does not reach every repository"
	echo "$type backup finished"
}

# --- restore-cluster --yes [--repo N] [--at TIME]: the whole cluster, in place (a rebuilt server) --

main_restore_cluster() {
	local yes=0 repo="" at="" usage='usage: restore-cluster --yes [--repo 1|2] [--at "YYYY-MM-DD HH:MM:SS"]'
	while [ $# -gt 0 ]; do
		case "$1" in
			--yes) yes=1; shift ;;
			--repo) value_of "$1" $# "$usage"; repo="$2"; shift 2 ;;
			--at) value_of "$1" $# "$usage"; at="$2"; shift 2 ;;
			*) die "unknown argument $1; $usage" ;;
		esac
	done
	[ "$yes" = 1 ] || die "restore-cluster replaces every database of $pg_container with the backup's; run it with --yes (docs/runbooks/rebuild-the-server.md)"
	[ -z "$repo" ] || [[ " $repos " == *" $repo "* ]] || die "--repo must be one of: $repos"
	[ -z "$at" ] || check_at "$at"
	image=$(live_image) || die "cannot inspect $pg_container"
	local volume started
	volume=$(live_volume)
	[ -n "$volume" ] || die "$pg_container has no data volume at $data_mount"
	started=$(date +%s)
	docker stop -t 60 "$pg_container" >/dev/null
	local target=()
	[ -z "$at" ] || target=(--type=time --target="$at+00" --target-action=promote)
	# --delta: the volume holds the rebuilt server's empty cluster; every file is replaced.
	use_repo "$repo"
	pb_restore "$volume" ${repo:+--repo="$repo"} "${target[@]}" --delta || die "pgbackrest restore failed; $pg_container is stopped"
	docker start "$pg_container" >/dev/null
	wait_promoted "$pg_container" 3600 || die "recovery failed"
	# A rebuilt server's repo1 is new: the stanza is made there again (repo2 already has it).
	pg_server_up || echo "PostgreSQL's pgBackRest server cannot be reached from $pb_container" >&2
	pb_stanza || echo "stanza-create failed; run: $root/bin/run-job pitr-full" >&2
	echo "restored the cluster in $(($(date +%s) - started)) s; newest replayed commit: $(last_replayed "$pg_container")"
	echo "take a full backup now: $root/bin/run-job pitr-full"
}

# The tables of a database as JSON strings (no newline can split one), and per table its row count
# and that name: server-side, pg_catalog's functions only (as render/migrate/fingerprint.sql does).
tables_sql="SET search_path = pg_catalog;
SELECT to_json(format('%I.%I', schemaname, relname))::text FROM pg_stat_user_tables ORDER BY 1;"
counts_sql="SET search_path = pg_catalog;
SELECT substring(query_to_xml(format('SELECT count(*) AS n FROM %I.%I', schemaname, relname), false, true, '')::text FROM '<n>([^<]*)</n>')
       || ' ' || to_json(format('%I.%I', schemaname, relname))::text
  FROM pg_stat_user_tables ORDER BY 1;"

# --- restore-drill [--repo N]: the newest backup and WAL into a throwaway container, checked -----

main_restore_drill() {
	local repo="${repos##* }"
	while [ $# -gt 0 ]; do
		case "$1" in
			--repo) value_of "$1" $# "usage: restore-drill [--repo 1|2]"; repo="$2"; shift 2 ;;
			*) die "unknown argument $1; usage: restore-drill [--repo 1|2]" ;;
		esac
	done
	# The result file holds it as a JSON number.
	[[ " $repos " == *" $repo "* ]] || die "--repo must be one of: $repos"
	local started stamp errors=() notes=() r
	started=$(date +%s)
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	image=$(live_image) || die "cannot inspect $pg_container"
	scratch="${pg_container}-drill-$stamp"
	scratch_volume="$scratch"
	trap cleanup_scratch EXIT
	mkdir -p "$(dirname "$drill_file")"
	# pgBackRest 2.45's verify exits 0 even when it finds a bad file: its report says "status: error".
	local report
	for r in $repos; do
		if ! report=$(pb_live --repo="$r" --log-level-console=info verify 2>&1) || grep -q 'status: error' <<<"$report"; then
			errors+=("pgbackrest verify of repo$r found errors")
			grep -E 'invalid|missing|status: error' <<<"$report" | sed "s/^/repo$r: /" >&2 || true
		fi
	done
	# A commit made now must come back: archiving works end to end, whatever the apps wrote today.
	local mark="" wal deadline
	if mark=$(psql_in "$pg_container" postgres -c "CREATE TABLE IF NOT EXISTS platform_restore_drill (at timestamptz PRIMARY KEY); INSERT INTO platform_restore_drill VALUES (clock_timestamp()) RETURNING at") &&
		wal=$(psql_in "$pg_container" postgres -c "SELECT pg_walfile_name(pg_current_wal_insert_lsn())"); then
		deadline=$((SECONDS + 2 * archive_timeout + 60))
		local last
		while :; do
			last=$(psql_in "$pg_container" postgres -c "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") || last=""
			[[ "$last" < "$wal" ]] || break
			[ "$SECONDS" -lt "$deadline" ] || { errors+=("archiving is behind: the drill's commit was not archived within $((2 * archive_timeout + 60)) s"); break; }
			sleep 2
		done
	else
		errors+=("cannot write the drill's mark into $pg_container")
	fi
	# RTO: from here (the restore) to the checks done; RPO: from the end of recovery (when the
	# archive was last read) back to the newest commit it replayed.
	started=$(date +%s)
	local promoted=""
	# The newest backup plus all archived WAL: what a lost server would get back now.
	use_repo "$repo"
	local space
	space=$(free_space_problem)
	if [ -n "$space" ]; then
		errors+=("$space")
	elif ! pb_restore "$scratch_volume" --repo="$repo" --archive-mode=off; then
		errors+=("pgbackrest restore from repo$repo failed")
	else
		scratch_start "$scratch" "$scratch_volume"
		if ! wait_promoted "$scratch" 3600; then
			errors+=("recovery from repo$repo failed")
		else
			promoted=$(date +%s)
			[ -z "$mark" ] || [ "$(psql_in "$scratch" postgres -c "SELECT count(*) FROM platform_restore_drill WHERE at = '$mark'" 2>/dev/null)" = 1 ] ||
				errors+=("the restore lacks the commit the drill made before it ($mark): WAL is not reaching repo$repo")
			local dbs db owner tables live_tables missing rows
			dbs=$(psql_in "$pg_container" postgres -c "SELECT datname FROM pg_catalog.pg_database WHERE NOT datistemplate AND datname <> 'postgres' AND datallowconn ORDER BY 1")
			for db in $dbs; do
				[[ "$db" =~ ^[a-z0-9_]+$ ]] || { errors+=("a database whose name is not a plain name is not checked"); continue; }
				owner=$(db_owner "$pg_container" "$db") || { errors+=("$db: its owner is not a plain role name; not checked"); continue; }
				# Every table the live database has must be there and read in full. As the database's
				# owner with only pg_catalog on the path, in one statement: names never reach the
				# shell or another statement, nothing the app defined (a function shadowing count)
				# runs, and the superuser runs nothing in the app's database.
				live_tables=$(psql_as "$pg_container" "$db" "$owner" -c "$tables_sql") || { errors+=("$db: cannot list its tables"); continue; }
				if ! tables=$(psql_as "$scratch" "$db" "$owner" -c "$counts_sql" 2>&1); then
					grep -q 'does not exist' <<<"$tables" && errors+=("$db: missing from the restore") || errors+=("$db: its tables do not read in the restore: $(head -n 1 <<<"$tables")")
					continue
				fi
				missing=$(grep -vxF -f <(cut -d' ' -f2- <<<"$tables") <<<"$live_tables" || true)
				[ -z "$missing" ] || errors+=("$db: tables missing from the restore: $(tr '\n' ' ' <<<"$missing")")
				rows=$(awk '{ n += $1 } END { print n + 0 }' <<<"$tables")
				notes+=("$db: $(grep -c . <<<"$live_tables" || true) tables, $rows rows")
			done
		fi
	fi
	local finished rpo="null" replayed
	finished=$(date +%s)
	replayed=$(last_replayed "$scratch" 2>/dev/null || true)
	[ -z "$replayed" ] || [ -z "$promoted" ] || rpo=$((promoted - $(date -u -d "$replayed" +%s)))
	[ "$rpo" = null ] || [ "$rpo" -ge 0 ] || rpo=0
	local ok=true
	[ "${#errors[@]}" = 0 ] || ok=false
	json_list() { local first=1 x; printf '['; for x in "$@"; do [ "$first" = 1 ] || printf ','; first=0; x=${x//\\/\\\\}; printf '"%s"' "${x//\"/\\\"}"; done; printf ']'; }
	printf '{"at":%s,"ok":%s,"repo":%s,"rtoSeconds":%s,"rpoSeconds":%s,"restoredUpTo":"%s","checks":%s,"errors":%s}\n' \
		"$finished" "$ok" "$repo" "$((finished - started))" "$rpo" "$replayed" \
		"$(json_list "${notes[@]}")" "$(json_list "${errors[@]}")" >"$drill_file.tmp"
	mv -f "$drill_file.tmp" "$drill_file"
	if [ "$ok" != true ]; then
		printf 'FAILED: %s\n' "${errors[@]}" >&2
		die "restore drill FAILED (repo$repo)"
	fi
	printf '%s\n' "${notes[@]}"
	echo "restore drill ok: repo$repo restored and checked in $((finished - started)) s, RPO ${rpo} s"
}
