# restore-database --app APP --at TIME [--repo N]: one app's database back to a second, the others
# untouched. Rendered after pitr.sh (its helpers and header variables) by render/backup/pitr-jobs.ts.
# shellcheck shell=bash disable=SC2154 # the header and pitr.sh set the variables (drills_lock, drills_wait too)

# The swap under way: the database being replaced and the name the live one stepped aside to (empty
# when there was none). put_back undoes it, so a failed or interrupted restore (Ctrl-C, a dropped
# ssh session) leaves the app its old database, taking connections again.
swap_db=""
swap_old=""
put_back() {
	[ -n "$swap_db" ] || return 0
	local d="$swap_db" o="$swap_old"
	swap_db=""
	if [ -z "$o" ]; then
		psql_in "$pg_container" postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)"
		return
	fi
	# Renamed already: what was made under the name goes, the kept database takes it back.
	if [ "$(psql_in "$pg_container" postgres -c "SELECT 1 FROM pg_catalog.pg_database WHERE datname = '$o'")" = 1 ]; then
		psql_in "$pg_container" postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" -c "ALTER DATABASE \"$o\" RENAME TO \"$d\""
	fi
	psql_in "$pg_container" postgres -c "ALTER DATABASE \"$d\" ALLOW_CONNECTIONS true"
	echo "the previous $d is back in place" >&2
}
restore_database_exit() {
	local code=$?
	if [ -n "$swap_db" ]; then
		put_back || echo "could not put the previous $swap_db back: it is $swap_old, taking no connections (docs/runbooks/restore-a-database.md, To undo)" >&2
	fi
	cleanup_scratch
	return "$code"
}

main_restore_database() {
	local app="" at="" repo="" usage='usage: restore-database --app APP --at "YYYY-MM-DD HH:MM:SS" [--repo 1|2]'
	while [ $# -gt 0 ]; do
		case "$1" in
			--app) value_of "$1" $# "$usage"; app="$2"; shift 2 ;;
			--at) value_of "$1" $# "$usage"; at="$2"; shift 2 ;;
			--repo) value_of "$1" $# "$usage"; repo="$2"; shift 2 ;;
			-h | --help) echo 'usage: restore-database --app APP --at "YYYY-MM-DD HH:MM:SS" [--repo 1|2]  (UTC)'; return 0 ;;
			*) die "unknown argument $1; $usage" ;;
		esac
	done
	[[ "$app" =~ ^[a-z][a-z0-9-]*$ ]] || die "--app must be an app's name such as app1, got \"$app\""
	check_at "$at"
	[ -z "$repo" ] || [[ " $repos " == *" $repo "* ]] || die "--repo must be one of: $repos"
	local db="${app//-/_}_db" role="${app//-/_}" stamp known
	# An app of this platform has its login role even when its database was dropped by mistake; a
	# typo is refused here, not after restoring the whole cluster.
	known=$(psql_in "$pg_container" postgres -c "SELECT 1 WHERE EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$role') OR EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '$db')") ||
		die "cannot query $pg_container; nothing was changed"
	[ "$known" = 1 ] || die "no app $app here: $pg_container has neither the database $db nor the role $role; nothing was changed"
	# A release of the app's backend (its migrations, its health checks) and this swap never overlap:
	# the release's own lock (render/app/release.sh) is held until the swap is done.
	local lock="$root/state/release-$app-backend.lock"
	mkdir -p "$root/state"
	# Read-only when it exists: run as another user, this never takes the file from the releases.
	if [ -e "$lock" ]; then exec 7<"$lock"; else exec 7>"$lock"; fi
	flock -n 7 || die "a release of $app's backend is running; run this again when it has finished (nothing was changed)"
	# The restore drills' queue (render/schedule.ts): a drill's throwaway PostgreSQL and copy of the
	# cluster and this one never run side by side (memory and the database disk).
	mkdir -p "$(dirname "$drills_lock")"
	if [ -e "$drills_lock" ]; then exec 8<"$drills_lock"; else exec 8>"$drills_lock"; fi
	if ! flock -n 8; then
		echo "a restore drill is running; waiting for it to finish (at most $drills_wait s; Ctrl-C stops here, nothing was changed)"
		flock -w "$drills_wait" 8 || die "a restore drill still runs after $drills_wait s; nothing was changed"
	fi
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	image=$(live_image) || die "cannot inspect $pg_container"
	scratch="${pg_container}-pitr-$stamp"
	scratch_volume="$scratch"
	trap restore_database_exit EXIT
	trap 'exit 130' INT TERM HUP
	local space
	space=$(free_space_problem)
	[ -z "$space" ] || die "$space"
	echo "restoring the cluster as of $at UTC into $scratch"
	use_repo "$repo"
	pb_restore "$scratch_volume" ${repo:+--repo="$repo"} --type=time --target="$at+00" --target-action=promote --archive-mode=off ||
		die "pgbackrest restore failed; nothing live was changed"
	scratch_start "$scratch" "$scratch_volume"
	wait_promoted "$scratch" 1800 || die "recovery failed; nothing live was changed"
	[ "$(psql_in "$scratch" postgres -c "SELECT 1 FROM pg_catalog.pg_database WHERE datname = '$db'")" = 1 ] ||
		die "$db did not exist at $at; nothing live was changed"
	umask 077
	mkdir -p "$root/backups/$db"
	local dump="$root/backups/$db/${db}_$stamp.pitr.dump"
	docker exec "$scratch" pg_dump -U "$pg_user" --format=custom -d "$db" >"$dump" ||
		{ rm -f "$dump"; die "pg_dump of $db from the restored cluster failed; nothing live was changed"; }
	docker exec -i "$pg_container" pg_restore -l <"$dump" >/dev/null || die "the dump $dump does not read back; nothing live was changed"
	echo "took $db as of $at out of the restored cluster: $dump"
	# The live database steps aside under another name (its app's sessions are ended), kept until
	# someone drops it: undoing this restore is renaming it back.
	local old="${db:0:40}_before_$stamp" exists
	exists=$(psql_in "$pg_container" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
	swap_db="$db"
	swap_old=""
	if [ "$exists" = 1 ]; then
		swap_old="$old"
		psql_in "$pg_container" postgres <<-SQL
			ALTER DATABASE "$db" ALLOW_CONNECTIONS false;
			SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$db';
			ALTER DATABASE "$db" RENAME TO "$old";
		SQL
		echo "the live $db is kept as $old"
	fi
	# The restore command's flow (render/backup/restore.ts): the superuser creates the database, its
	# owner's own login restores every object and runs ANALYZE, so nothing the app defined (a CHECK,
	# a trigger) runs as the superuser while rows load on the live cluster.
	"$root/bin/restore" "$db" "$dump" || die "restoring $db into $pg_container failed"
	swap_db=""
	echo "restored $db as of $at UTC; the previous contents are in $old (drop it when satisfied)"
}
