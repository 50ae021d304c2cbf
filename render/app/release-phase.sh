# The last phase of a release rolled over several servers (render/app/rollout.sh), on one server.
# `prepare` (release.sh up to its watch, render/app/release.ts) switched this server to the new
# container and kept the old one in the other slot, writing which is which to $pending. Then:
#   finish  drain and remove the old container: the release is done on this server;
#   revert  switch back to the old container (one file, no reload: no request dropped) and
#           remove the new one, as if the release had never reached this server.
# Both do nothing without $pending, so the coordinator may run them again after any failure.
#
# Parameters come from the header the platform renders above this text (render/app/release.ts), and
# the slot functions (running, service_containers, remove, live_color, switch_to) from slots.sh.

log() { printf '%s %s %s/%s: %s\n' "$(date -u +%T)" "$phase" "$app" "$service" "$*" >&2; }

phase="${1:-}"
case "$phase" in finish | revert) ;; *) echo "usage: $0 finish|revert" >&2; exit 64 ;; esac
mkdir -p "$root/state"
exec 7>"$root/state/release-$app-$service.lock"
flock -w 1800 7 || { log "another release of $app $service still runs"; exit 1; }

if [ ! -e "$pending" ]; then
  printf '{"app":"%s","service":"%s","phase":"%s","pending":false}\n' "$app" "$service" "$phase"
  exit 0
fi
read -r old_color _ new <"$pending"

if [ "$phase" = finish ]; then
  for old in $(service_containers "$old_color"); do
    log "draining and removing $old"
    remove "$old" "$drain_seconds"
  done
  rm -f "$pending"
  printf '{"app":"%s","service":"%s","phase":"finish","pending":true,"container":"%s"}\n' "$app" "$service" "$new"
  exit 0
fi

# revert: only to a previous container that still runs; a server that had none goes back to none.
previous=$(service_containers "$old_color" | sed -n 1p)
if [ -n "$previous" ] && ! running "$previous"; then
  log "cannot switch back: $previous no longer runs; $new keeps serving"
  exit 1
fi
[ "$(live_color)" = "$old_color" ] || switch_to "$old_color"
log "switched back to ${previous:-nothing} ($old_color); removing $new"
# Requests that read the marker just before the switch still reach $new: let them connect first.
sleep "$switch_settle_seconds"
remove "$new" "$drain_seconds"
rm -f "$pending"
printf '{"app":"%s","service":"%s","phase":"revert","pending":true,"container":"%s","previous":"%s"}\n' "$app" "$service" "$new" "$previous"
