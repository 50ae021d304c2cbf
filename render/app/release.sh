# shellcheck shell=bash
# shellcheck disable=SC2154 # the parameters are set by the header render/app/release.ts puts above this text
# Releases one app service blue-green. Owns the whole sequence, so a failure at any step leaves the
# server consistent (Pulumi has no container resource for app services: its delete-before-replace
# and pending deletes can never touch the container nginx routes to; docs/engine-notes.md).
#
# Each service has two slots, blue and green: Docker network aliases <app>-<service>-<color> that
# nginx resolves without reloading. One file (the live marker) says which slot a route uses, and
# nginx checks it per request. A release:
#   starts the new container in the idle slot -> waits until it answers its health check ->
#   checks nginx reaches it through the idle slot's upstream -> switches the marker (no reload,
#   no client connection closed) -> watches its health and 5xx share every second, switching
#   back as soon as a limit is crossed -> stops the old container with a grace period.
# If a gate before the switch fails, nothing nginx uses has changed and the old version serves.
#
# Parameters come from the header the platform renders above this text (render/app/release.ts), and
# the slot functions (running, service_containers, remove, live_color, switch_to) from slots.sh, the
# secret variables' handling (split_env, give_secret_file, ...) from secret-env.sh.
# stdin: the service's env file (secrets included), written to a private temp file only.
# stdout: one JSON line describing the release; stderr: progress and the reason of a failure.

started=$(date +%s.%N)
log() { printf '%s release %s/%s: %s\n' "$(date -u +%T)" "$app" "$service" "$*" >&2; }
# A failure's reason goes to CI logs, the events file and alerts, and may quote the container's own
# output (a crash printing its DSN): every secret value of the env file and anything shaped like a
# credential (user:pass@ in a URL, password=..., token: ...) is blanked first.
scrub() {
  awk -v envfile="${envfile:-}" '
    BEGIN {
      while (envfile != "" && (getline line < envfile) > 0) {
        i = index(line, "="); key = toupper(substr(line, 1, i - 1)); v = substr(line, i + 1)
        if (i > 1 && length(v) >= 4 && key ~ /PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|DSN|URL/) secret[++n] = v
      }
    }
    {
      for (k = 1; k <= n; k++) {
        out = ""; rest = $0
        while ((p = index(rest, secret[k])) > 0) { out = out substr(rest, 1, p - 1) "[redacted]"; rest = substr(rest, p + length(secret[k])) }
        $0 = out rest
      }
      print
    }' | sed -E \
    -e 's#([A-Za-z][A-Za-z0-9+.-]*://)[^/@[:space:]]+@#\1[redacted]@#g' \
    -e 's/((pass(word)?|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)[A-Za-z_]*["'"'"']?[[:space:]]*[=:][[:space:]]*)("[^"]*"|'"'"'[^'"'"']*'"'"'|[^[:space:],;&"'"'"']+)/\1[redacted]/Ig'
}
fail() {
  local why
  why=$(printf '%s' "$*" | scrub)
  printf 'release of %s %s (%s) failed: %s\n' "$app" "$service" "$image" "$why" >&2; event "${outcome:-failed}" "$why"; exit 1
}
# One JSON line per release outcome (released, rolled-back, failed) in $events, for the status
# page's markers and its alerts. Never fails the release: the line is news, not a gate.
json_text() { printf '%s' "$1" | tr '\000-\037' ' ' | sed 's/\\/\\\\/g; s/"/\\"/g'; }
event() { # outcome reason
  [ -n "${events:-}" ] || return 0
  local digest
  case "$image" in *@sha256:*) digest=${image##*@} ;; *) digest=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true) ;; esac
  mkdir -p "$(dirname "$events")" 2>/dev/null || true
  printf '{"t":%s,"app":"%s","service":"%s","image":"%s","digest":"%s","outcome":"%s","container":"%s","reason":"%s"}\n' \
    "$(date +%s.%3N)" "$(json_text "$app")" "$(json_text "$service")" "$(json_text "$image")" "$(json_text "$digest")" "$1" "$(json_text "${new:-}")" "$(json_text "${2:-}")" \
    >>"$events" 2>/dev/null || true
}
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
health_status() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo gone; }
# The new container has not exited since it started. Docker restarts one that exits (its restart
# policy) and meanwhile still reports it running, so a restart counts as an exit.
alive() { [ "$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$1" 2>/dev/null)" = "running 0" ]; }
# Why the new container is not alive: its last exit code, from Docker's "die" events since $created_at.
why_down() {
  local code
  code=$(docker events --since "$created_at" --until "$(now)" --filter "container=$1" --filter event=die \
    --format '{{.Actor.Attributes.exitCode}}' 2>/dev/null | tail -n1 || true)
  if [ -n "$code" ]; then echo "exited with code $code"; else echo "is not running"; fi
}
other() { if [ "$1" = green ]; then echo blue; else echo green; fi; }
probe() { # color: nginx reaches that slot through its own upstream
  docker exec "$nginx" curl -fsS -o /dev/null --max-time 3 "$probe_base$1$health_path" 2>/dev/null
}
last_logs() { { docker logs --tail 5 "$1" 2>&1 || true; } | tr -s '\n' ' ' | tail -c 300; }

mkdir -p "$root/state"
exec 7>"$root/state/release-$app-$service.lock"
flock -w 1800 7 || fail "another release of $app $service still runs"

envfile=$(mktemp)
plainfile=$(mktemp)
secretfile=$(mktemp)
trap 'rm -f "$envfile" "$plainfile" "$secretfile"' EXIT
cat >"$envfile"
split_env

if ! docker image inspect "$image" >/dev/null 2>&1; then
  log "pulling $image"
  docker pull -q "$image" >/dev/null || fail "cannot pull the image; if it is private, add its registry to registries.credentials"
fi
# The container's identity: image, settings, env and how its secrets reach it. Same identity as the
# live one: nothing to do.
identity=$({ docker image inspect -f '{{.Id}}' "$image"; printf '%s\n' "$network" "${extra_networks[@]}" "${run_args[@]}" "$health_cmd" "${secret_names[@]}" "$secret_loader"; cat "$envfile"; } | sha256sum | cut -c1-10)
new="$base-$identity"
secret_file="$secret_dir/$new.env"
sweep_secret_files
live=$(live_color)
idle=$(other "$live")
current=$(service_containers "$live" | sed -n 1p)

if [ "$current" = "$new" ] && running "$new"; then
  for leftover in $(service_containers "$idle"); do log "removing $leftover (idle slot)"; remove "$leftover" "$drain_seconds"; done
  log "$new already serves this release; nothing to do"
  printf '{"app":"%s","service":"%s","container":"%s","color":"%s","changed":false}\n' "$app" "$service" "$new" "$live"
  exit 0
fi

# The idle slot never serves: whatever is in it (a failed or interrupted release) goes.
for leftover in $(service_containers "$idle"); do log "removing $leftover from the idle $idle slot"; remove "$leftover" 0; done
docker rm -f "$new" >/dev/null 2>&1 || true
rm -f "$secret_file"

log "starting $new in the $idle slot beside ${current:-nothing} ($live)"
created_at=$(now)
# Any of these failing leaves nothing behind: the idle slot is emptied and the reason named.
start_new() {
  local secret_args=() command_args=()
  if [ "$secret_vars" -gt 0 ]; then
    secret_command || return 1
    secret_args=(--volume "$secret_file:$secret_mount:ro" --entrypoint /bin/sh)
    (umask 077 && mkdir -p "$secret_dir") && chmod 700 "$secret_dir" && cp "$secretfile" "$secret_file" || return 1
  fi
  docker create --name "$new" --hostname "$new" --network "$network" --network-alias "$alias_prefix-$idle" \
    --env-file "$plainfile" --env "RELEASE_ID=$new" --env "RELEASE_IMAGE=$image" \
    --label "$color_label=$idle" --label "$identity_label=$identity" \
    --health-cmd "$health_cmd" "${secret_args[@]}" "${run_args[@]}" "$image" "${command_args[@]}" >/dev/null || return 1
  [ "$secret_vars" -eq 0 ] || give_secret_file "$new" || return 1
  for n in "${extra_networks[@]}"; do docker network connect "$n" "$new" || return 1; done
  docker start "$new" >/dev/null
}
if ! out=$(start_new 2>&1); then
  remove "$new" 0
  fail "could not start $new: $(printf '%s' "$out" | tr -s '\n' ' ' | tail -c 300); ${current:-the previous version} keeps serving"
fi

# Gate 1: the container answers its own health check (probed at once, not at Docker's interval).
deadline=$((SECONDS + health_timeout))
until docker exec "$new" sh -c "$health_cmd" >/dev/null 2>&1; do
  if ! alive "$new" || [ $SECONDS -ge $deadline ]; then
    why="not healthy within ${health_timeout}s"
    alive "$new" || why=$(why_down "$new")
    out=$(docker exec "$new" sh -c "$health_cmd" 2>&1 | tr -s '\n' ' ' | tail -c 300 || true)
    logs=$(last_logs "$new")
    remove "$new" 0
    fail "$why; last health output: ${out:-none}; last log lines: ${logs:-none}; ${current:-the previous version} keeps serving"
  fi
  sleep 0.5
done
healthy_at=$(now)

# Gate 2: nginx itself resolves the idle slot to the new container and reaches it.
reach_deadline=$((SECONDS + reach_timeout))
until probe "$idle"; do
  if ! alive "$new"; then
    why=$(why_down "$new")
    remove "$new" 0
    fail "$new $why before nginx reached it; ${current:-the previous version} keeps serving"
  fi
  if [ $SECONDS -ge $reach_deadline ]; then
    remove "$new" 0
    fail "nginx cannot reach $new:$port$health_path through the $idle slot on $network; ${current:-the previous version} keeps serving"
  fi
  sleep 0.2
done

new_addr=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}" "$new"):$port
# Shared: other releases' watches run alongside; log rotation waits for all of them.
mkdir -p "$(dirname "$access_log_lock")"
exec 8>"$access_log_lock"
flock -s 8
log_offset=$(stat -c %s "$access_log" 2>/dev/null || echo 0)
switch_to "$idle"
switched_at=$(now)
log "nginx now routes to $new ($idle); watching for ${watch_seconds}s"

# Requests nginx sent to the new container since the switch: "total errors first_5xx_msec" over
# the lines logged at or after $1 (epoch seconds).
counts() {
  local size
  size=$(stat -c %s "$access_log" 2>/dev/null || echo 0)
  [ "$size" -ge "$log_offset" ] || log_offset=0
  tail -c +$((log_offset + 1)) "$access_log" 2>/dev/null | awk -v addr="\"upstream_addr\":\"$new_addr" -v from="$1" '
    index($0, addr) && match($0, /"msec":[0-9.]+/) {
      t = substr($0, RSTART + 7, RLENGTH - 7) + 0
      if (!match($0, /"status":[0-9]+/)) next
      bad = substr($0, RSTART + 9, RLENGTH - 9) + 0 >= 500
      if (bad && (first == "" || t < first)) first = t
      if (t >= from) { n++; e += bad }
    }
    END { if (first == "") printf "%d %d -\n", n, e; else printf "%d %d %.3f\n", n, e, first }'
}
# More than max_5xx_percent of at least min_requests responses were 5xx (exact, in hundredths).
too_many() { [ "$1" -ge "$min_requests" ] && [ $(($2 * 10000)) -gt $((max_5xx_hundredths * $1)) ]; }

rollback() {
  local reason="$1" total errors first rolled
  switch_to "$live"
  { [ -n "$current" ] && running "$current"; } || current=""
  rolled=$(now)
  sleep "$log_flush_seconds"
  read -r total errors first < <(counts 0)
  flock -u 8
  remove "$new" "$drain_seconds"
  awk -v f="$first" -v r="$rolled" -v t="$total" -v e="$errors" -v app="$app" -v s="$service" -v c="$new" 'BEGIN {
    printf "{\"app\":\"%s\",\"service\":\"%s\",\"container\":\"%s\",\"changed\":false,\"rolledBack\":true,\"watchedRequests\":%d,\"served5xx\":%d,\"firstErrorToRollbackSeconds\":%s}\n",
      app, s, c, t, e, (f == "-" ? "null" : sprintf("%.2f", r - f)) }'
  outcome="rolled-back"
  fail "rolled back to ${current:-nothing} after the switch: $reason"
}

# Docker's checks run on their own clock: a streak of failures may have begun before gate 1 (a
# container still reaching what it depends on), one check still running when gate 1 passed. Its
# "unhealthy" counts only once its newest check started after the container was first healthy.
unhealthy_since_gate() {
  local newest
  [ "$(health_status "$1")" = unhealthy ] || return 1
  newest=$(docker inspect -f '{{range .State.Health.Log}}{{.Start.UnixNano}} {{end}}' "$1" 2>/dev/null) || return 0
  read -r -a newest <<<"$newest"
  [ "${#newest[@]}" -gt 0 ] || return 0
  awk -v s="${newest[${#newest[@]}-1]}" -v h="$healthy_at" 'BEGIN { exit !(s / 1e9 >= h) }'
}

end=$((SECONDS + watch_seconds))
probe_failures=0
while [ $SECONDS -lt $end ]; do
  sleep 1
  alive "$new" || rollback "$new $(why_down "$new")"
  if unhealthy_since_gate "$new"; then rollback "health check turned unhealthy on $new"; fi
  if probe "$idle"; then probe_failures=0; else probe_failures=$((probe_failures + 1)); fi
  [ "$probe_failures" -lt 2 ] || rollback "nginx could not reach $new$health_path twice in a row"
  window_start=$(awk -v n="$(now)" -v w="$window_seconds" 'BEGIN { printf "%.3f", n - w }')
  read -r total errors _ < <(counts "$window_start")
  if too_many "$total" "$errors"; then
    rollback "$errors of $total responses from $new in the last ${window_seconds}s were 5xx (limit ${max_5xx_percent}%)"
  fi
done
# The whole watch, once nginx has flushed its log.
sleep "$log_flush_seconds"
read -r total errors _ < <(counts 0)
if too_many "$total" "$errors"; then rollback "$errors of $total responses from $new during the watch were 5xx (limit ${max_5xx_percent}%)"; fi
flock -u 8

# Drain: since the switch nginx sends the old slot nothing new; in-flight requests finish within
# the grace period (SIGTERM first), then the old container goes.
for old in $(service_containers "$live"); do
  log "draining and removing $old"
  remove "$old" "$drain_seconds"
done
finished=$(now)
event released ""
awk -v h="$healthy_at" -v s="$switched_at" -v f="$finished" -v b="$started" -v t="$total" -v e="$errors" \
  -v app="$app" -v svc="$service" -v c="$new" -v p="$current" -v col="$idle" 'BEGIN {
  printf "{\"app\":\"%s\",\"service\":\"%s\",\"container\":\"%s\",\"previous\":\"%s\",\"color\":\"%s\",\"changed\":true,", app, svc, c, p, col
  printf "\"healthySeconds\":%.2f,\"healthyToSwitchSeconds\":%.2f,\"cutoverSeconds\":%.2f,\"totalSeconds\":%.2f,\"watchedRequests\":%d,\"served5xx\":%d}\n", h - b, s - h, s - b, f - b, t, e }'
