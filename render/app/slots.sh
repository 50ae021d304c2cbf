# shellcheck shell=bash
# shellcheck disable=SC2154 # the parameters are set by the header render/app/release.ts puts above this text
# A service's two slots, blue and green, as release.sh and release-phase.sh both see them: which
# containers hold a slot (labels), which slot nginx uses (the live marker), and how to change that.
# Rendered between a script's header and its body (render/app/release.ts), never run on its own.

running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
service_containers() { # [color]: this service's containers (in that slot)
  docker ps -a --filter "label=$label" ${1:+--filter "label=$color_label=$1"} --format '{{.Names}}'
}
remove() { # container grace: stop with grace (SIGTERM, then SIGKILL), then remove, with its secret file
  docker stop -t "$2" "$1" >/dev/null 2>&1 || true
  docker rm -f "$1" >/dev/null 2>&1 || true
  rm -f "$secret_dir/$1.env"
}
live_color() { if [ -e "$marker" ]; then echo green; else echo blue; fi; }
# Make $1 the live slot: one rename or unlink, which nginx sees on its next request.
switch_to() {
  mkdir -p "$(dirname "$marker")"
  if [ "$1" = green ]; then : >"$marker.tmp" && mv -f "$marker.tmp" "$marker"; else rm -f "$marker"; fi
}
