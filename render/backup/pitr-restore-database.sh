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
	# A `docker exec` interrupted here leaves its psql or pg_restore running in the container: end
	# every session on either name or running a statement that names them before looking (PG 14+
	# waits up to 5 s for each to go), so an orphaned RENAME or CREATE cannot land after the check.
	psql_in "$pg_container" postgres -c "SELECT count(pg_catalog.pg_terminate_backend(pid, 5000)) FROM pg_catalog.pg_stat_activity WHERE pid <> pg_catalog.pg_backend_pid() AND (datname IN ('$d', '$o') OR strpos(query, '$d') > 0)" >/dev/null ||
		{ echo "could not end the sessions on $d; the previous $d is ${o:-not there} (docs/runbooks/restore-a-database.md, To undo)" >&2; return 1; }
	if [ -z "$o" ]; then
		psql_in "$pg_container" postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" ||
			{ echo "could not drop the partly restored $d" >&2; return 1; }
		swap_db=""
		return 0
	fi
	# Renamed already: what was made under the name goes, the kept database takes it back.
	local kept
	kept=$(psql_in "$pg_container" postgres -c "SELECT 1 FROM pg_catalog.pg_database WHERE datname = '$o'") ||
		{ echo "could not look for $o: the previous $d may be $o, taking no connections (docs/runbooks/restore-a-database.md, To undo)" >&2; return 1; }
	if [ "$kept" = 1 ]; then
		psql_in "$pg_container" postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" -c "ALTER DATABASE \"$o\" RENAME TO \"$d\"" ||
			{ echo "could not put the previous $d back: it is $o, taking no connections (docs/runbooks/restore-a-database.md, To undo)" >&2; return 1; }
	fi
	psql_in "$pg_container" postgres -c "ALTER DATABASE \"$d\" ALLOW_CONNECTIONS true" ||
		{ echo "the previous $d is back under its name but takes no connections: ALTER DATABASE \"$d\" ALLOW_CONNECTIONS true" >&2; return 1; }
	swap_db=""
	echo "the previous $d is back in place" >&2
}
restore_database_exit() {
	local code=$?
	# Each failure names what is left; the exit status stays the restore's.
	[ -z "$swap_db" ] || put_back || true
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
	# The restore drills' queue (render/schedule.ts): a drill's throwaway PostgreSQL and copy of the
	# cluster and this one never run side by side (memory and the database disk). Waited for first,
	# so no release waits behind a drill.
	mkdir -p "$(dirname "$drills_lock")"
	if [ -e "$drills_lock" ]; then exec 8<"$drills_lock"; else exec 8>"$drills_lock"; fi
	if ! flock -n 8; then
		echo "a restore drill is running; waiting for it to finish (at most $drills_wait s; Ctrl-C stops here, nothing was changed)"
		flock -w "$drills_wait" 8 || die "a restore drill still runs after $drills_wait s; nothing was changed"
	fi
	# A release of the app's backend (its migrations, its health checks) and this swap never overlap:
	# the release's own lock (render/app/release.sh) is held until the swap is done; a release
	# started meanwhile waits up to 30 minutes (release.sh's flock -w 1800), then fails naming it.
	local lock="$root/state/release-$app-backend.lock"
	mkdir -p "$root/state"
	# Made with the state folder's owner when missing (run with sudo, a root-owned lock file would
	# lock the deploy user's releases out), then opened read-only: this never takes it from them.
	if [ ! -e "$lock" ]; then
		: >"$lock"
		chown --reference="$root/state" "$lock" 2>/dev/null || true
	fi
	exec 7<"$lock"
	flock -n 7 || die "a release of $app's backend is running; run this again when it has finished (nothing was changed)"
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	image=$(live_image) || die "cannot inspect $pg_container"
	scratch="${pg_container}-pitr-$stamp"
	scratch_volume="$scratch"
	trap restore_database_exit EXIT
	trap 'exit 130' INT TERM HUP
	# Over ssh without a terminal a dropped connection sends no HUP: the next write would kill the
	# script by SIGPIPE without its EXIT trap. Ignored, the write fails and set -e exits through it.
	trap '' PIPE
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
	# swap_old first: put_back reads an empty one as "nothing was there" and drops the name.
	swap_old=""
	if [ "$exists" = 1 ]; then swap_old="$old"; fi
	swap_db="$db"
	if [ "$exists" = 1 ]; then
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
