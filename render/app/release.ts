// Bash that releases one app service blue-green, owning the whole sequence so a failure at any
// step leaves the server consistent (FIELD-NOTES: Pulumi's delete-before-replace and the
// pending-delete trap never touch a container nginx routes to, because Pulumi has no container
// resource for app services at all):
//   start the new container beside the old → wait healthy → check it through nginx's network →
//   switch the upstream (nginx -t, graceful reload) → watch → drain and remove the old one.
// If a gate fails before the switch, nginx is untouched. If the watch fails, nginx switches back.
// stdin: the service's env file (secrets included), written to a private temp file only.
import { NGINX_CONTAINER } from "../../stacks/naming";
import { ACCESS_LOG_FLUSH_SECONDS, ACCESS_LOG_LOCK, IN_CONTAINER, NGINX_LOCK, NGINX_LOGS_DIR, PLACEHOLDER_UPSTREAM, UPSTREAMS_DIR, mainConfig, upstreamFile } from "../nginx/layout";
import { PLATFORM_LABEL } from "../../components/hardening";
import { script, shq } from "../shell";
import type { ContainerSpec } from "./container-spec";

export interface ReleaseInput {
    readonly root: string;
    readonly app: string;
    readonly service: "frontend" | "backend";
    readonly spec: ContainerSpec;
    /** Image to release, pinned by digest when the registry was asked. */
    readonly image: string;
    /** Public path prefix of this service, e.g. /api/app1/ (for the 5xx count in the watch). */
    readonly route: string;
    readonly healthTimeoutSeconds: number;
    readonly watchSeconds: number;
    readonly max5xxPercent: number;
    readonly drainSeconds: number;
}

export function releaseScript(r: ReleaseInput): string {
    const s = r.spec;
    return script(
        `app=${shq(r.app)} service=${shq(r.service)} image=${shq(r.image)}`,
        `base=${shq(s.baseName)} port=${s.port} health_path=${shq(s.healthPath)} route=${shq(r.route)}`,
        `network=${shq(s.network)}`,
        `extra_networks=(${s.extraNetworks.map(shq).join(" ")})`,
        `run_args=(${s.runArgs.map(shq).join(" ")})`,
        `health_timeout=${r.healthTimeoutSeconds} watch_seconds=${r.watchSeconds} max_5xx_percent=${r.max5xxPercent} drain_seconds=${r.drainSeconds}`,
        `root=${shq(r.root)}`,
        `nginx=${NGINX_CONTAINER} nginx_conf=${shq(mainConfig(IN_CONTAINER.config))}`,
        `upstream="$root/${UPSTREAMS_DIR}/${upstreamFile(r.app, r.service)}"`,
        `access_log="$root/${NGINX_LOGS_DIR}/access.log"`,
        `label=${shq(`${PLATFORM_LABEL}=app:${r.app}:${r.service}`)}`,
        `placeholder=${shq(PLACEHOLDER_UPSTREAM)}`,
        "",
        "started=$(date +%s.%N)",
        `log() { printf '%s release %s/%s: %s\\n' "$(date -u +%T)" "$app" "$service" "$*" >&2; }`,
        `fail() { printf 'release of %s %s (%s) failed: %s\\n' "$app" "$service" "$image" "$*" >&2; exit 1; }`,
        `elapsed() { awk -v a="$1" -v b="$started" 'BEGIN { printf "%.2f", a - b }'; }`,
        `running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }`,
        `health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo gone; }`,
        // The last health check's output: the greedy match keeps the last "Output" of the JSON log.
        `last_health() { docker inspect -f '{{json .State.Health.Log}}' "$1" 2>/dev/null | sed -E 's/.*"Output":"(([^"\\\\]|\\\\.)*)".*/\\1/; s/\\\\n/ /g' | tail -c 300; }`,
        "",
        "# Switch nginx to a container, or to the placeholder (\"\"), under the lock every nginx writer takes.",
        "switch_to() {",
        '  local target="$1" previous out',
        `  mkdir -p "$root/state" "$(dirname "$upstream")"`,
        `  exec 9>"$root/${NGINX_LOCK}"`,
        "  flock 9",
        '  previous=$(cat "$upstream" 2>/dev/null || true)',
        '  if [ -n "$target" ]; then',
        `    printf 'server %s:%s max_fails=0;\\n' "$target" "$port" > "$upstream.tmp"`,
        "  else",
        `    printf '%s' "$placeholder" > "$upstream.tmp"`,
        "  fi",
        '  mv -f "$upstream.tmp" "$upstream"',
        '  if ! out=$(docker exec "$nginx" nginx -t -c "$nginx_conf" 2>&1); then',
        `    printf '%s\\n' "$previous" > "$upstream"`,
        "    flock -u 9",
        '    fail "nginx rejected the switch to ${target:-the placeholder}, nothing changed: $out"',
        "  fi",
        '  docker exec "$nginx" nginx -s reload -c "$nginx_conf"',
        "  flock -u 9",
        "}",
        "",
        "envfile=$(mktemp)",
        `trap 'rm -f "$envfile"' EXIT`,
        'cat > "$envfile"',
        "",
        'if ! docker image inspect "$image" >/dev/null 2>&1; then',
        '  log "pulling $image"',
        '  docker pull -q "$image" >/dev/null || fail "cannot pull the image; if it is private, add its registry to registries.credentials"',
        "fi",
        // The container's identity: image, settings and env. Same identity = nothing to release.
        `slot=$( { docker image inspect -f '{{.Id}}' "$image"; printf '%s\\n' "$network" "\${extra_networks[@]}" "\${run_args[@]}"; cat "$envfile"; } | sha256sum | cut -c1-10)`,
        'new="$base-$slot"',
        // The serving container, if any (the placeholder names none).
        `current=$(sed -n '/^server 127\\.0\\.0\\.1:/d; s/^server \\([^: ]*\\):.*/\\1/p' "$upstream" 2>/dev/null | head -n1)`,
        'if [ "$current" = "$new" ] && running "$new"; then',
        '  log "$new already serves this release; nothing to do"',
        `  printf '{"app":"%s","service":"%s","container":"%s","changed":false}\\n' "$app" "$service" "$new"`,
        "  exit 0",
        "fi",
        "",
        'log "starting $new beside ${current:-nothing}"',
        'docker rm -f "$new" >/dev/null 2>&1 || true',
        'docker create --name "$new" --network "$network" --env-file "$envfile" "${run_args[@]}" "$image" >/dev/null',
        'for n in "${extra_networks[@]}"; do docker network connect "$n" "$new"; done',
        'docker start "$new" >/dev/null',
        "",
        "# Gate 1: the container's own health check passes in time.",
        "deadline=$((SECONDS + health_timeout))",
        'while [ "$(health "$new")" != healthy ]; do',
        '  if ! running "$new" || [ $SECONDS -ge $deadline ]; then',
        '    why="not healthy within ${health_timeout}s"',
        '    running "$new" || why="exited with code $(docker inspect -f \'{{.State.ExitCode}}\' "$new" 2>/dev/null)"',
        '    out="$(last_health "$new")"',
        '    logs="$(docker logs --tail 5 "$new" 2>&1 | tr -s \'\\n\' \' \' | tail -c 300)"',
        '    docker rm -f "$new" >/dev/null 2>&1 || true',
        '    fail "$why; last health output: ${out:-none}; last log lines: ${logs:-none}; ${current:-the previous version} keeps serving"',
        "  fi",
        "  sleep 1",
        "done",
        "healthy_at=$(date +%s.%N)",
        "",
        "# Gate 2: nginx itself reaches it over the app network.",
        "reached=0",
        "for _ in 1 2 3; do",
        '  if docker exec "$nginx" curl -fsS -o /dev/null --max-time 5 "http://$new:$port$health_path"; then reached=1; break; fi',
        "  sleep 1",
        "done",
        'if [ "$reached" != 1 ]; then',
        '  docker rm -f "$new" >/dev/null 2>&1 || true',
        '  fail "nginx cannot reach $new:$port$health_path over $network; ${current:-the previous version} keeps serving"',
        "fi",
        "",
        // Shared: other releases' watches run alongside; log rotation waits for all of them.
        `mkdir -p "$(dirname "$root/${ACCESS_LOG_LOCK}")"`,
        `exec 8>"$root/${ACCESS_LOG_LOCK}"`,
        "flock -s 8",
        'log_offset=$(stat -c %s "$access_log" 2>/dev/null || echo 0)',
        'switch_to "$new"',
        "switched_at=$(date +%s.%N)",
        'log "nginx now routes to $new; watching for ${watch_seconds}s"',
        "",
        "# Watch: the new container stays healthy and its route serves few 5xx; else switch back.",
        "rollback() {",
        '  if [ -n "$current" ] && running "$current"; then switch_to "$current"; else switch_to ""; fi',
        '  docker rm -f "$new" >/dev/null 2>&1 || true',
        '  fail "rolled back to ${current:-nothing} after the switch: $1"',
        "}",
        "end=$((SECONDS + watch_seconds))",
        "while [ $SECONDS -lt $end ]; do",
        '  h=$(health "$new")',
        '  if [ "$h" = unhealthy ] || ! running "$new"; then rollback "health check turned $h; last health output: $(last_health "$new")"; fi',
        "  sleep 1",
        "done",
        // Count this route's responses since the switch in nginx's JSON access log, once flushed.
        `sleep ${ACCESS_LOG_FLUSH_SECONDS + 1}`,
        'size=$(stat -c %s "$access_log" 2>/dev/null || echo 0)',
        '[ "$size" -ge "$log_offset" ] || log_offset=0',
        `read -r total errors < <(tail -c +$((log_offset + 1)) "$access_log" 2>/dev/null | awk -v route="\\"$route" 'index($0, route) { n++; if ($0 ~ /"status": *"?5[0-9][0-9]/) e++ } END { print n + 0, e + 0 }')`,
        // Exact in integers for any allowed limit (two decimals at most): bash has no fractions.
        `if [ "$errors" -gt 0 ] && [ $((errors * 10000)) -gt $((${Math.round(r.max5xxPercent * 100)} * total)) ]; then`,
        '  rollback "$errors of $total responses on $route were 5xx (limit ${max_5xx_percent}%)"',
        "fi",
        "flock -u 8",
        "",
        "# Drain: nginx has not sent the old container anything since the reload; let it finish and go.",
        'for old in $(docker ps -a --filter "label=$label" --format \'{{.Names}}\'); do',
        '  [ "$old" = "$new" ] && continue',
        '  log "draining and removing $old"',
        '  docker stop -t "$drain_seconds" "$old" >/dev/null 2>&1 || true',
        '  docker rm -f "$old" >/dev/null 2>&1 || true',
        "done",
        "finished=$(date +%s.%N)",
        `printf '{"app":"%s","service":"%s","container":"%s","previous":"%s","changed":true,"healthySeconds":%.2f,"cutoverSeconds":%.2f,"totalSeconds":%.2f,"watchedRequests":%d}\\n' "$app" "$service" "$new" "$current" "$(elapsed "$healthy_at")" "$(elapsed "$switched_at")" "$(elapsed "$finished")" "$total"`,
    );
}

/** When an app leaves stack config: its routes are gone first (proxy config), then its containers. */
export function removeServiceScript(app: string, service: "frontend" | "backend"): string {
    return script(
        `for c in $(docker ps -a --filter ${shq(`label=${PLATFORM_LABEL}=app:${app}:${service}`)} --format '{{.Names}}'); do`,
        '  docker stop -t 10 "$c" >/dev/null 2>&1 || true',
        '  docker rm -f "$c" >/dev/null 2>&1 || true',
        "done",
    );
}
