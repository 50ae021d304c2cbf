# nginx control, shared by everything that changes what nginx loads: config delivery
# (render/nginx/deliver.ts) and certificates (render/tls/certbot.ts, issue and renewal).
# Releases switch slots by a marker file that nginx reads per request, so they never use this.
#
# Parameters come from the header the platform renders above this text (render/nginx/control.ts):
#   nginx_label        the label (key=value) of every nginx container that serves: one, or two
#                      while an image change runs the new one beside the old (components/proxy.ts)
#   nginx_lock_file    the lock every nginx writer takes, so no change lands between another's
#                      `nginx -t` and its reload
#   nginx_lock_wait    seconds to wait for that lock before giving up
#
# Functions:
#   nginx_lock                      take the lock (fd 9), once per script; exit 1 naming the lock
#                                   when another operation keeps it longer than nginx_lock_wait
#   nginx_instances                 the names of the running nginx containers, one a line
#   nginx_running                   status 0 when an nginx container runs
#   nginx_check CONFIG              `nginx -t -c CONFIG` (a path inside the container) in every
#                                   running nginx (their images may differ); nginx's own output,
#                                   of the first that rejects it, in $nginx_out
#   nginx_swap LIVE NEW BACKUP      LIVE's files become NEW's, in place (LIVE is a bind mount: a
#                                   new folder would not reach the container); the old ones in BACKUP
#   nginx_restore LIVE BACKUP       LIVE's files become BACKUP's again, in place
#   nginx_reload CONFIG FAILED [RESTORE...]
#                                   under the lock: `nginx -t` of CONFIG, then a graceful reload of
#                                   every running nginx (prints "nginx reloaded"). If the check fails nginx is not
#                                   reloaded and keeps what it loaded: RESTORE (a command and its
#                                   arguments, e.g. nginx_restore LIVE BACKUP) runs, FAILED and
#                                   nginx's message go to stderr, and the status is 1.

nginx_locked=0
nginx_out=""

nginx_lock() {
  [ "$nginx_locked" = 0 ] || return 0
  mkdir -p "$(dirname "$nginx_lock_file")"
  exec 9>"$nginx_lock_file"
  flock -w "$nginx_lock_wait" 9 || { echo "nginx is locked by another operation ($nginx_lock_file)" >&2; exit 1; }
  nginx_locked=1
}

# Read to the end (no early-quitting reader): docker ps writes its whole list.
nginx_instances() { docker ps --filter "label=$nginx_label" --format '{{.Names}}'; }

nginx_running() { [ -n "$(nginx_instances)" ]; }

nginx_check() {
  local c
  nginx_out=""
  for c in $(nginx_instances); do
    nginx_out=$(docker exec "$c" nginx -t -c "$1" 2>&1) || { nginx_out="$c: $nginx_out"; return 1; }
  done
}

nginx_swap() {
  local live="$1" new="$2" backup="$3"
  rm -rf "$backup" && mkdir -p "$backup" && cp -a "$live/." "$backup/"
  cp -a "$new/." "$live/"
  (cd "$live" && find . -type f | while IFS= read -r f; do [ -e "$new/$f" ] || rm -f "$f"; done)
}

nginx_restore() { find "$1" -mindepth 1 -delete && cp -a "$2/." "$1/"; }

nginx_reload() {
  local config="$1" failed="$2"
  shift 2
  nginx_lock
  if ! nginx_check "$config"; then
    if [ $# -gt 0 ]; then "$@"; fi
    echo "$failed" >&2
    echo "$nginx_out" >&2
    return 1
  fi
  # Graceful: new workers take new connections, old ones finish their requests, nothing restarts.
  local c
  for c in $(nginx_instances); do
    if ! nginx_out=$(docker exec "$c" nginx -s reload -c "$config" 2>&1); then
      echo "nginx -s reload failed in $c; it keeps serving what it loaded before:" >&2
      echo "$nginx_out" >&2
      return 1
    fi
  done
  echo "nginx reloaded"
}
