// Bash that puts a new nginx config live without a restart: stage, `nginx -t`, swap, reload.
// A config that fails `nginx -t` never reaches the live folder; nginx keeps serving the old one.
import { NGINX_CONTAINER } from "../../stacks/naming";
import { installBundleScript } from "../bundle";
import { script, shq } from "../shell";
import { IN_CONTAINER, NGINX_DIR, NGINX_STAGING_DIR, UPSTREAMS_DIR, mainConfig } from "./layout";

/** Upstream placeholder until an app's first release writes its container: answers 502. */
export const PLACEHOLDER_UPSTREAM = "server 127.0.0.1:9 down;\n";

/**
 * @param upstreamFiles upstream files the config includes; missing ones get the placeholder so
 *   `nginx -t` passes before an app's first release.
 */
export function deliverNginxConfigScript(root: string, upstreamFiles: readonly string[]): string {
    const live = `${root}/${NGINX_DIR}`;
    const staging = `${root}/${NGINX_STAGING_DIR}`;
    return script(
        installBundleScript(),
        `live=${shq(live)}`,
        `staging=${shq(staging)}`,
        `upstreams=${shq(`${root}/${UPSTREAMS_DIR}`)}`,
        'rm -rf "$staging" && mkdir -p "$staging" "$live" "$upstreams"',
        'install_bundle "$staging"',
        `for f in ${upstreamFiles.map(shq).join(" ")}; do`,
        `  [ -e "$upstreams/$f" ] || printf '%s' ${shq(PLACEHOLDER_UPSTREAM)} > "$upstreams/$f"`,
        "done",
        `if [ "$(docker inspect -f '{{.State.Running}}' ${NGINX_CONTAINER} 2>/dev/null)" = "true" ]; then`,
        `  if ! out=$(docker exec ${NGINX_CONTAINER} nginx -t -c ${mainConfig(IN_CONTAINER.staging)} 2>&1); then`,
        '    echo "nginx rejected the new config; the running config is unchanged:" >&2',
        '    echo "$out" >&2',
        "    exit 1",
        "  fi",
        "  running=1",
        "else",
        "  running=0",
        "fi",
        // Swap: copy every staged file in, then remove live files the new config no longer has.
        'cp -a "$staging/." "$live/"',
        '(cd "$live" && find . -type f | while IFS= read -r f; do [ -e "$staging/$f" ] || rm -f "$f"; done)',
        'if [ "$running" = 1 ]; then',
        `  docker exec ${NGINX_CONTAINER} nginx -t -c ${mainConfig(IN_CONTAINER.config)} >/dev/null 2>&1 || { echo "live nginx config failed its check after the swap" >&2; exit 1; }`,
        `  docker exec ${NGINX_CONTAINER} nginx -s reload -c ${mainConfig(IN_CONTAINER.config)}`,
        '  echo "nginx reloaded"',
        "fi",
    );
}
