// How long one `pulumi up` or `pulumi destroy` of a stack can wait in the worst case, from the
// bounded waits of the program and of the providers. The workflows' `timeout-minutes` must be at
// least this (tests/github/workflows-policy.test.ts): a job killed mid-update leaves the stack
// locked (docs/github-actions.md, "How long a job may run"). Every wait is counted as if it ran after
// the others (a sum), which over-counts the waits that run in parallel but never under-counts.
import type { PlatformConfig } from "../config/schema";
import { READY_TIMEOUT } from "../components/server";

export interface Wait {
    readonly what: string;
    readonly minutes: number;
    /** Where the bound is set. */
    readonly source: string;
}

const minutesOf = (duration: string) => {
    const m = /^(\d+)m$/.exec(duration);
    if (!m) throw new Error(`expected a duration in minutes such as 20m, got ${duration}`);
    return Number(m[1]);
};

/** Checkout, npm ci, installing the CLI and plugins, login, stack select, opening the firewall: an allowance, not a bound. */
export const SETUP_MINUTES = 10;

/** terraform-provider-scaleway v2.79.0 internal/services/instance/consts.go DefaultInstanceServerWaitTimeout, the default of every timeout of scaleway_instance_server (server.go). */
export const SCALEWAY_SERVER_WAIT_MINUTES = 20;
/** terraform-provider-scaleway v2.79.0 internal/services/lb/helpers_lb.go defaultLbLbTimeout: every timeout of the load balancer, its certificates, backends and frontends. */
export const SCALEWAY_LB_WAIT_MINUTES = 15;
/** terraform-provider-scaleway v2.79.0 internal/services/rdb/helpers.go defaultInstanceTimeout, the default timeout of scaleway_rdb_instance (instance.go) and scaleway_rdb_read_replica (read_replica.go). */
export const SCALEWAY_RDB_WAIT_MINUTES = 30;

const seconds = (s: number) => s / 60;

/** The waits of one `pulumi up`, longest first where they are fixed. */
export function upWaits(config: Pick<PlatformConfig, "apps">): Wait[] {
    const waits: Wait[] = [
        { what: "setup before the update", minutes: SETUP_MINUTES, source: "allowance (.github/actions/pulumi/action.yml steps before the command)" },
        { what: "Scaleway server created and running", minutes: SCALEWAY_SERVER_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/instance/consts.go DefaultInstanceServerWaitTimeout" },
        { what: "first boot: sshd up, cloud-init done, Docker answering", minutes: minutesOf(READY_TIMEOUT), source: "components/server.ts READY_TIMEOUT (the ready command's customTimeouts.create; dialErrorLimit -1 retries until it)" },
        { what: "managed database instance created", minutes: SCALEWAY_RDB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/rdb/helpers.go defaultInstanceTimeout (instance.go Timeouts.Create)" },
        { what: "managed database read replica created", minutes: SCALEWAY_RDB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/rdb/read_replica.go Timeouts.Create (defaultInstanceTimeout)" },
        { what: "load balancer created and ready (several servers)", minutes: SCALEWAY_LB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/lb/lb.go Timeouts.Create (defaultLbLbTimeout)" },
        { what: "the load balancer's certificate issued (Let's Encrypt)", minutes: SCALEWAY_LB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/lb/certificate.go Timeouts.Create: waitForLB, CreateCertificate, waitForCertificate" },
        // Each change waits for the load balancer to be ready (waitForLB): one bound for them all, as they follow each other on one load balancer.
        { what: "the load balancer's backends and frontends changed", minutes: SCALEWAY_LB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/lb/backend.go, frontend.go (waitForLB around each call; defaultLbLbTimeout)" },
        { what: "postgres container healthy", minutes: seconds(120), source: "components/database.ts health.readyTimeoutSeconds" },
        { what: "postgres accepting connections before the SQL", minutes: seconds(120), source: "render/database-scripts.ts waitForPostgres" },
        { what: "nginx container healthy", minutes: seconds(60), source: "components/proxy.ts health.readyTimeoutSeconds" },
    ];
    for (const app of config.apps) {
        const r = app.release;
        for (const service of ["frontend", "backend"] as const) {
            if (!app[service]) continue;
            waits.push({
                what: `${app.name} ${service} release: health gate, watch, drain`,
                minutes: seconds(r.healthTimeoutSeconds + r.watchSeconds + r.drainSeconds),
                source: "config apps[].release healthTimeoutSeconds + watchSeconds + drainSeconds (render/app/release.sh)",
            });
        }
    }
    return waits;
}

/** The waits of one `pulumi destroy` (a full teardown deletes the server and the managed database). */
export function destroyWaits(): Wait[] {
    return [
        { what: "setup before the destroy", minutes: SETUP_MINUTES, source: "allowance (.github/actions/pulumi/action.yml steps before the command)" },
        { what: "Scaleway server stopped and deleted", minutes: SCALEWAY_SERVER_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/instance/consts.go DefaultInstanceServerWaitTimeout (Timeouts.Delete)" },
        { what: "managed database read replica deleted", minutes: SCALEWAY_RDB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/rdb/read_replica.go Timeouts.Delete" },
        { what: "managed database instance deleted", minutes: SCALEWAY_RDB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/rdb/instance.go Timeouts.Delete" },
        { what: "load balancer deleted (several servers)", minutes: SCALEWAY_LB_WAIT_MINUTES, source: "terraform-provider-scaleway internal/services/lb/lb.go Timeouts.Delete (defaultLbLbTimeout)" },
        { what: "containers stopped (nginx's stop grace and the others')", minutes: 2, source: "components/proxy.ts PROXY_STOP_GRACE_SECONDS, with room for the rest" },
    ];
}

export const totalMinutes = (waits: readonly Wait[]) => Math.ceil(waits.reduce((sum, w) => sum + w.minutes, 0));
