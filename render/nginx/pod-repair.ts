// nginx's pod after Docker starts again (a reboot, a Docker upgrade): Docker starts every container
// at once, and an nginx server started before the holder fails ("cannot join network of a non
// running container") and is never tried again, whatever its restart policy; a holder restarted
// alone leaves the running servers in its old namespace, which has no published port. Either way
// no app answers, and `pulumi up` sees nothing to change. This job, every minute, starts the first
// and restarts the second. A server stopped on purpose (a failed ready check, the old one of an
// image change) has no such error and is left alone. Tests: tests/render/nginx/pod-repair.test.ts.
import type { ScheduledJob } from "../schedule";
import { NGINX_CONTAINER, NGINX_ROLE, PLATFORM_LABEL } from "../../config/naming";
import { script, shq } from "../shell";

export const POD_REPAIR_JOB = "nginx-pod";
/** Every minute: what it finds is an outage of every app. */
export const POD_REPAIR_SCHEDULE = "* * * * *";

/** `label` (key=value) marks the nginx servers; the holder is the container named `holder`. */
export function podRepairScript(holder = NGINX_CONTAINER, label = `${PLATFORM_LABEL}=${NGINX_ROLE}`): string {
    return script(
        `holder=${shq(holder)} label=${shq(label)}`,
        // A holder that is not running is Docker's to restart (its restart policy); its servers wait for the next run.
        `[ "$(docker inspect -f '{{.State.Running}}' "$holder" 2>/dev/null)" = true ] || exit 0`,
        'netns=$(docker exec "$holder" readlink /proc/self/ns/net)',
        // Read to the end (no early-quitting reader): docker ps writes its whole list.
        'servers=$(docker ps -a --filter "label=$label" --format "{{.Names}}")',
        'for s in $servers; do',
        `  state=$(docker inspect -f '{{.State.Status}} {{.State.Error}}' "$s" 2>/dev/null) || continue`,
        '  case "$state" in',
        '    "exited "*"cannot join network"*|"created "*"cannot join network"*)',
        '      echo "starting $s: Docker started it before $holder and gave up"',
        '      docker start "$s" >/dev/null || echo "could not start $s" >&2 ;;',
        '    "running "*)',
        '      ns=$(docker exec "$s" readlink /proc/self/ns/net 2>/dev/null) || continue',
        '      if [ "$ns" != "$netns" ]; then',
        '        echo "restarting $s: it runs in the namespace $holder had before it restarted (no published port)"',
        // The old server of an `up` that also replaced the holder points at a holder that is gone: it cannot restart, and goes with that `up`.
        '        docker restart "$s" >/dev/null || echo "could not restart $s" >&2',
        "      fi ;;",
        "  esac",
        "done",
    );
}

export function podRepairJob(): ScheduledJob {
    return { name: POD_REPAIR_JOB, schedule: POD_REPAIR_SCHEDULE, script: podRepairScript() };
}
