# The dump drill: the newest nightly dump of every database restored into a throwaway PostgreSQL
# (no network, removed after), each table's rows counted against the dump's row manifest (counted in
# the dump's own snapshot by the backup job). Works in both database modes: it needs only the dumps.
# Rendered by render/backup/dump-drill.ts under a header that sets: root, backups, drill_file,
# rows_suffix, image (or pg_container to take the image from).
# shellcheck shell=bash disable=SC2154 # the header sets the variables

die() { echo "$*" >&2; exit 1; }
# An unprivileged login restores and reads: nothing in a dump (a CHECK, a trigger, a default
# calling the app's functions) runs as the scratch server's superuser.
restorer=platform_drill
stamp=$(date -u +%Y%m%dT%H%M%SZ)
scratch="platform-dump-drill-$stamp"
[ -z "${PLATFORM_DRILL_SCRATCH:-}" ] || scratch="$PLATFORM_DRILL_SCRATCH"
trap 'docker rm -f -v "$scratch" >/dev/null 2>&1 || true' EXIT
errors=()
notes=()
json_list() { local first=1 x; printf '['; for x in "$@"; do [ "$first" = 1 ] || printf ','; first=0; x=${x//\\/\\\\}; printf '"%s"' "${x//\"/\\\"}"; done; printf ']'; }
as_super() { docker exec -i "$scratch" psql -X -q -At -v ON_ERROR_STOP=1 -U postgres -d "$1" "${@:2}"; }
as_restorer() { docker exec -i "$scratch" psql -X -q -At -v ON_ERROR_STOP=1 -U "$restorer" -d "$1" "${@:2}"; }

if [ -z "$image" ]; then
	image=$(docker inspect -f '{{.Image}}' "$pg_container") || die "cannot inspect $pg_container for its image"
fi
mkdir -p "$(dirname "$drill_file")"

# RTO: from starting the scratch server to the last check; RPO: age of the oldest dump's snapshot.
started=$(date +%s)
oldest=""
docker run -d --name "$scratch" --network none --cap-drop ALL --cap-add CHOWN --cap-add SETUID --cap-add SETGID --cap-add DAC_OVERRIDE --cap-add FOWNER \
	-e POSTGRES_HOST_AUTH_METHOD=trust --tmpfs /var/run/postgresql "$image" >/dev/null || die "cannot start the scratch PostgreSQL from $image"
ready=0
for _ in $(seq 1 120); do
	# The image's first start restarts once after initdb: ready means the loopback answers.
	if docker exec "$scratch" pg_isready -q -h 127.0.0.1 -U postgres 2>/dev/null; then ready=1; break; fi
	sleep 1
done
[ "$ready" = 1 ] || die "the scratch PostgreSQL did not start: $(docker logs --tail 5 "$scratch" 2>&1 | tr '\n' ' ')"
as_super postgres -c "CREATE ROLE $restorer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" || die "cannot create the restoring role"

# schema.table as quote_ident writes each part: a plain lower-case name or one in double quotes.
quoted_name='^("([^"]|"")*"|[a-z_][a-z0-9_]*)[.]("([^"]|"")*"|[a-z_][a-z0-9_]*)$'
found=0
for dir in "$backups"/*/; do
	db=$(basename "$dir")
	[ "$db" != globals ] || continue
	[[ "$db" =~ ^[a-z0-9_]+$ ]] || continue
	file=$(find "$dir" -maxdepth 1 -type f -regextype posix-extended -regex ".*/${db}_[0-9]{8}T[0-9]{6}Z\\.dump" | LC_ALL=C sort | tail -n 1)
	[ -n "$file" ] || continue
	found=$((found + 1))
	manifest="$file$rows_suffix"
	if [ ! -r "$manifest" ]; then
		errors+=("$db: $(basename "$file") has no row manifest ($(basename "$manifest")): its rows cannot be checked")
		continue
	fi
	snapshot=$(sed -n 's/^# snapshot \([0-9]*\)$/\1/p' "$manifest" | head -n 1)
	if [ -n "$snapshot" ] && { [ -z "$oldest" ] || [ "$snapshot" -lt "$oldest" ]; }; then oldest=$snapshot; fi
	# The roles that own objects exist (without login) so grants and policies naming them restore.
	for role in $(docker exec -i "$scratch" pg_restore -l <"$file" 2>/dev/null | awk '/^[0-9]+;/ { print $NF }' | sort -u); do
		[[ "$role" =~ ^[a-z0-9_]+$ ]] || continue
		[ "$role" = postgres ] || [ "$role" = "$restorer" ] || as_super postgres -c "DO \$\$BEGIN CREATE ROLE $role NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END\$\$" >/dev/null
	done
	as_super postgres -c "CREATE DATABASE \"$db\" OWNER $restorer" || { errors+=("$db: cannot create it in the scratch server"); continue; }
	if ! out=$(docker exec -i "$scratch" pg_restore -U "$restorer" --no-owner --no-acl --exit-on-error -d "$db" <"$file" 2>&1); then
		errors+=("$db: $(basename "$file") does not restore: $(tail -n 3 <<<"$out" | tr '\n' ' ')")
		continue
	fi
	tables=0 rows=0 bad=0
	# fd 3: docker exec -i would read the manifest off stdin.
	while IFS=$'\t' read -r -u 3 table expected; do
		case "$table" in '#'* | '') continue ;; esac
		tables=$((tables + 1))
		# The manifest holds quote_ident's schema.table: a name with a line break or a tab splits its
		# line, and no piece of it may reach SQL as text (the app chose the name).
		if ! [[ $table =~ $quoted_name && $expected =~ ^[0-9]+$ ]]; then
			errors+=("$db: the row manifest has a line that is not a table and its row count (a table name with a line break or a tab?): $(printf '%q' "$table")")
			bad=1
			continue
		fi
		if ! n=$(as_restorer "$db" -c "SELECT count(*) FROM $table" 2>/dev/null); then
			errors+=("$db: table $table missing from the restore")
			bad=1
			continue
		fi
		if [ "$n" != "$expected" ]; then
			errors+=("$db: table $table has $n rows restored, the source had $expected when dumped")
			bad=1
		fi
		rows=$((rows + n))
	done 3<"$manifest"
	[ "$bad" = 1 ] || notes+=("$db: $tables tables, $rows rows, as dumped ($(basename "$file"))")
done
[ "$found" -gt 0 ] || errors+=("no dump found in $backups")

finished=$(date +%s)
rpo=null
[ -z "$oldest" ] || rpo=$((finished - oldest))
ok=true
[ "${#errors[@]}" = 0 ] || ok=false
printf '{"at":%s,"ok":%s,"kind":"dump","rtoSeconds":%s,"rpoSeconds":%s,"checks":%s,"errors":%s}\n' \
	"$finished" "$ok" "$((finished - started))" "$rpo" "$(json_list "${notes[@]}")" "$(json_list "${errors[@]}")" >"$drill_file.tmp"
mv -f "$drill_file.tmp" "$drill_file"
if [ "$ok" != true ]; then
	printf 'FAILED: %s\n' "${errors[@]}" >&2
	die "dump drill FAILED"
fi
printf '%s\n' "${notes[@]}"
echo "dump drill ok: $found database(s) restored and checked in $((finished - started)) s, newest snapshot ${rpo} s old"
