// The nginx control functions every nginx writer shares (lock, `nginx -t`, graceful reload, restore
// on a failed check): nginx-control.sh, a real script read at render time, under its parameters.
import * as fs from "node:fs";
import * as path from "node:path";
import { NGINX_ROLE, PLATFORM_LABEL } from "../../config/naming";
import { shq } from "../shell";
import { NGINX_LOCK } from "./layout";

export const NGINX_CONTROL_SCRIPT = path.join(__dirname, "nginx-control.sh");
/** Seconds a writer waits for the nginx lock: a certificate issuance holds it while certbot runs. */
export const NGINX_LOCK_WAIT_SECONDS = 900;

/** Bash defining nginx_lock, nginx_running, nginx_check, nginx_swap, nginx_restore and nginx_reload. */
export function nginxControl(root: string, lockWaitSeconds = NGINX_LOCK_WAIT_SECONDS): string {
    if (!Number.isInteger(lockWaitSeconds) || lockWaitSeconds < 0) throw new Error(`nginx lock wait must be a whole number of seconds >= 0 (got ${lockWaitSeconds})`);
    return [
        `nginx_label=${shq(`${PLATFORM_LABEL}=${NGINX_ROLE}`)} nginx_lock_file=${shq(`${root}/${NGINX_LOCK}`)} nginx_lock_wait=${lockWaitSeconds}`,
        fs.readFileSync(NGINX_CONTROL_SCRIPT, "utf8").trimEnd(),
    ].join("\n");
}
