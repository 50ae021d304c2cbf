# Rolls one app service's release over every server, one server at a time, through each server's
# own blue-green release (render/app/release.ts): on each server `prepare` starts the new container,
# gates it, switches nginx to it (one file: no request is dropped, so no server leaves the load
# balancer's pool) and watches it, keeping the old container in the other slot. Only when every
# server has switched does `finish` drain the old containers. If any server fails, the servers
# already switched are switched back (`revert`), the fleet serves the previous version everywhere,
# and this fails naming the server.
#
# A rollout that dies halfway (the machine running `pulumi up` stops) leaves switched servers with
# their old container kept: the fleet serves both versions until the next `up`, whose rollout first
# reverts each server it reaches (a no-op elsewhere) and then releases again. No server is ever
# left without a serving container.
#
# Parameters come from the header the platform renders above this text (render/app/rollout.ts):
# app, service, image, servers (labels) and one function on_server_<i> per server that runs the
# installed release entry point there (over SSH, or locally in tests).
# stdout: one JSON line; stderr: progress and the reason of a failure.

log() { printf '%s rollout %s/%s: %s\n' "$(date -u +%T)" "$app" "$service" "$*" >&2; }
on_server() { local i=$1; shift; "on_server_$i" "$@"; }
errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT
n=${#servers[@]}
prepared=()
summaries=()

# Switches back every server prepared so far, last first; prints the ones that could not be.
revert_prepared() {
  local j i failed=""
  for ((j = ${#prepared[@]} - 1; j >= 0; j--)); do
    i=${prepared[j]}
    if on_server "$i" revert >/dev/null 2>"$errfile"; then
      log "${servers[i]}: switched back to the previous version"
    else
      failed="$failed ${servers[i]} ($(tail -c 300 "$errfile" | tr '\n' ' '))"
    fi
  done
  printf '%s' "$failed"
}

# The fleet is left on the previous version; the message names the server and why.
abort() { # index reason
  local i=$1 reason=$2 not_back back=${#prepared[@]}
  not_back=$(revert_prepared)
  printf '{"app":"%s","service":"%s","ok":false,"failedOn":"%s","switchedBack":%d}\n' "$app" "$service" "${servers[i]}" "$back"
  if [ -n "$not_back" ]; then
    printf 'release of %s %s (%s) failed on %s: %s; these servers could not be switched back and still serve the new version:%s; run pulumi up again\n' "$app" "$service" "$image" "${servers[i]}" "$reason" "$not_back" >&2
  else
    printf 'release of %s %s (%s) failed on %s: %s; %d server(s) switched back: the whole fleet serves the previous version\n' "$app" "$service" "$image" "${servers[i]}" "$reason" "$back" >&2
  fi
  exit 1
}

for ((i = 0; i < n; i++)); do
  # An interrupted rollout may have left this server switched with its old container kept.
  if ! on_server "$i" revert >/dev/null 2>"$errfile"; then
    abort "$i" "cannot resolve an interrupted release there: $(tail -c 300 "$errfile" | tr '\n' ' ')"
  fi
  log "${servers[i]}: releasing"
  if out=$(on_server "$i" prepare 2>"$errfile"); then
    cat "$errfile" >&2
    prepared+=("$i")
    summaries+=("$(printf '%s' "$out" | tail -n1)")
  else
    cat "$errfile" >&2
    # release.sh's own reason: its last "release of ... failed: ..." line.
    # (An image reference has colons but never a space or a parenthesis.)
    reason=$(grep -E '^release of .* failed: ' "$errfile" | tail -n1 | sed -E 's/^release of [^ ]+ [^ ]+ \([^)]*\) failed: //')
    abort "$i" "${reason:-$(tail -c 300 "$errfile" | tr '\n' ' ')}"
  fi
done

unfinished=""
for i in "${prepared[@]}"; do
  on_server "$i" finish >/dev/null 2>"$errfile" || unfinished="$unfinished ${servers[i]} ($(tail -c 300 "$errfile" | tr '\n' ' '))"
done
# Every server serves the new version; one that kept its old container is finished by the next up.
[ -z "$unfinished" ] || { printf 'release of %s %s (%s) serves on every server, but the previous container could not be removed on:%s; run pulumi up again\n' "$app" "$service" "$image" "$unfinished" >&2; exit 1; }
joined=$(IFS=,; printf '%s' "${summaries[*]}")
printf '{"app":"%s","service":"%s","ok":true,"servers":[%s]}\n' "$app" "$service" "$joined"
