// Bash that joins a container to a network, or leaves it. Joins happen by command, not in the
// container's own settings, because a change to a Pulumi container's networks replaces it. The
// container's ID is part of the script text, so a replaced container joins again in the same `up`
// (an unchanged command never re-runs; docs/engine-notes.md).
import { script, shq } from "./shell";

export function attachScript(container: string, containerId: string, network: string, aliases: readonly string[] = []): string {
    return script(
        `# ${container} is container ${containerId}`,
        `c=${shq(container)} net=${shq(network)}`,
        `if ! docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{"\\n"}}{{end}}' "$c" | grep -xF "$net" >/dev/null; then`,
        `  docker network connect ${aliases.map((a) => `--alias ${shq(a)} `).join("")}"$net" "$c"`,
        `  echo "$c joined $net"`,
        "fi",
    );
}

export function detachScript(container: string, network: string): string {
    return script(`docker network disconnect ${shq(network)} ${shq(container)} 2>/dev/null || true`);
}
