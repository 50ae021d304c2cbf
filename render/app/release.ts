// Bash that releases one app service: start the new container, and route nginx to it.
// The full health-gated blue-green sequence lives here (issue: blue-green releases).
import { NGINX_CONTAINER } from "../../stacks/naming";
import { IN_CONTAINER, UPSTREAMS_DIR, mainConfig, upstreamFile } from "../nginx/layout";
import { script, shq } from "../shell";
import type { ContainerSpec } from "./container-spec";

export interface ReleaseInput {
    readonly root: string;
    readonly app: string;
    readonly service: "frontend" | "backend";
    readonly spec: ContainerSpec;
    /** Image reference pinned by digest when known. */
    readonly image: string;
}

export function releaseScript(r: ReleaseInput): string {
    const slot = "$(printf '%s' \"$image\" | sha256sum | cut -c1-8)";
    return script(
        `image=${shq(r.image)}`,
        `name=${shq(r.spec.baseName)}-${slot}`,
        `upstream=${shq(`${r.root}/${UPSTREAMS_DIR}/${upstreamFile(r.app, r.service)}`)}`,
        `envfile=${shq(`${r.root}/apps/${r.app}/${r.service}.env`)}`,
        'mkdir -p "$(dirname "$envfile")" && umask 077 && cat > "$envfile"',
        'if [ -z "$(docker ps -q -f "name=^${name}$")" ]; then',
        '  docker rm -f "$name" >/dev/null 2>&1 || true',
        `  docker create --name "$name" --network ${shq(r.spec.network)} --env-file "$envfile" ${r.spec.runArgs.map(shq).join(" ")} "$image" >/dev/null`,
        ...r.spec.extraNetworks.map((n) => `  docker network connect ${shq(n)} "$name"`),
        '  docker start "$name" >/dev/null',
        "fi",
        `printf 'server %s:%s;\\n' "$name" ${r.spec.port} > "$upstream"`,
        `docker exec ${NGINX_CONTAINER} nginx -t -c ${mainConfig(IN_CONTAINER.config)} >/dev/null 2>&1 && docker exec ${NGINX_CONTAINER} nginx -s reload -c ${mainConfig(IN_CONTAINER.config)}`,
        'echo "released $name"',
    );
}
