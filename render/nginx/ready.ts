// When an nginx container is ready. Beside another nginx in the same network namespace (an image
// change, tests/render/nginx/image-handover.test.ts) a request to 127.0.0.1 may be answered by
// either, so the health check alone says nothing of the new one: its own master must also have
// bound every listener. nginx writes its pid file only after binding them (a failed bind exits),
// so "the pid file names a live process" is that proof.
import { PID_FILE } from "./layout";

/** argv run inside the nginx container (no shell of the host): exit 0 when this nginx serves. */
export function nginxReadyTest(pidFile = PID_FILE, healthUrl = "http://127.0.0.1/health"): string[] {
    return ["sh", "-c", `pid=$(cat ${pidFile} 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" && curl -fsS -o /dev/null ${healthUrl}`];
}
