// nginx log rotation. The log folder is a bind mount that Docker created as root, so the rename
// happens inside the running nginx container (root there; found by its label, components/proxy.ts),
// followed by `nginx -s reopen`: no line is lost or written twice, unlike copytruncate. While an
// image change runs two nginx, the run is skipped (the other would write into the archive being
// compressed); the next one rotates. Docker's own json-file logs are capped per container.
import { ACCESS_LOG_LOCK, IN_CONTAINER, mainConfig } from "../nginx/layout";
import type { OpsTargets } from "../backup/layout";
import { opsVars } from "../backup/layout";
import { shq } from "../shell";
import { NGINX_ROLE, NGINX_SERVER, PLATFORM_LABEL } from "../../config/naming";

export function rotateNginxLogsScript(t: OpsTargets, keep: number): string {
    return [
        ...opsVars(t, "root"),
        // Tests name their nginx; the server's is found by its label (its name changes with its image).
        'nginx_container=${PLATFORM_NGINX_CONTAINER:-}',
        'if [ -z "$nginx_container" ]; then',
        `  servers=$(docker ps --filter ${shq(`label=${PLATFORM_LABEL}=${NGINX_ROLE}`)} --format '{{.Names}}')`,
        '  if [ "$(echo "$servers" | wc -w)" -gt 1 ]; then',
        '    echo "two nginx are running (an image change is under way): not rotating now, the next run will"',
        "    exit 0",
        "  fi",
        `  nginx_container=\${servers:-${NGINX_SERVER}}`,
        "fi",
        `keep=${keep}`,
        'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
        // Wait for release watches reading the access log (ACCESS_LOG_LOCK); the next run catches up.
        `mkdir -p "$(dirname "$root/${ACCESS_LOG_LOCK}")"`,
        `exec 8>"$root/${ACCESS_LOG_LOCK}"`,
        'if ! flock -w "${ROTATE_WAIT_SECONDS:-900}" 8; then',
        '  echo "a release is still watching the access log after ${ROTATE_WAIT_SECONDS:-900}s; not rotating now, the next run will" >&2',
        "  exit 1",
        "fi",
        'if [ "$(docker inspect -f \'{{.State.Running}}\' "$nginx_container" 2>/dev/null)" != true ]; then',
        '  echo "$nginx_container is not running; nothing to rotate (the logs stay in $root/logs/nginx)" >&2',
        "  exit 1",
        "fi",
        // Runs as POSIX sh inside the container; arguments: log folder, config, stamp, keep.
        `docker exec -i "$nginx_container" sh -s -- ${IN_CONTAINER.logs} ${mainConfig(IN_CONTAINER.config)} "$stamp" "$keep" <<'ROTATE'`,
        "set -eu",
        'dir=$1 conf=$2 stamp=$3 keep=$4',
        // The access log is buffered (flush=1s): a first reopen writes the buffer out, so the
        // size test below sees every line served so far.
        'nginx -s reopen -c "$conf"',
        "sleep 1",
        'rotated=""',
        'for log in access.log error.log; do',
        '  [ -s "$dir/$log" ] || continue',
        '  mv "$dir/$log" "$dir/$log.$stamp"',
        '  rotated="$rotated $log.$stamp"',
        "done",
        'if [ -n "$rotated" ]; then',
        // nginx keeps writing to the renamed files until it reopens: do that before compressing.
        '  nginx -s reopen -c "$conf"',
        "  sleep 1",
        '  for f in $rotated; do gzip -f "$dir/$f"; echo "rotated $f.gz"; done',
        "else",
        '  echo "nothing to rotate"',
        "fi",
        'for log in access.log error.log; do',
        '  ls -1 "$dir" | grep -E "^$log\\.[0-9]{8}T[0-9]{6}Z\\.gz$" | sort -r | tail -n +$((keep + 1)) | while read -r old; do rm -f "$dir/$old"; echo "removed $old"; done',
        "done",
        "ROTATE",
    ].join("\n");
}

/** Monthly VACUUM ANALYZE of every database (seed: monthly optimisation). */
export function maintenanceScript(t: OpsTargets): string {
    return [
        ...opsVars(t, "postgres"),
        'echo "vacuumdb --all --analyze on $pg_container"',
        'docker exec "$pg_container" vacuumdb -U "$pg_user" --all --analyze',
        'echo "maintenance done"',
    ].join("\n");
}
