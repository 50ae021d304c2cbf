// Rules for more than one server and the managed database: what a single field cannot say.
import type { PlatformConfig } from "./schema";

type Add = (field: string, problem: string, got: unknown) => void;

/** More than one server, or the managed database: only where Scaleway's services exist. */
export function multiServerProblems(cfg: PlatformConfig, add: Add) {
    const count = cfg.server.count;
    const managed = cfg.database.managed;
    if (count > 1 && cfg.target !== "scaleway") add("server.count", "above 1 needs target scaleway: the servers sit behind Scaleway's Load Balancer on a private network", count);
    if (managed.enabled && cfg.target !== "scaleway") add("database.managed.enabled", "needs target scaleway: the database is Scaleway's managed PostgreSQL", managed.enabled);
    if (count > 1 && !managed.enabled)
        add("server.count", `is ${count} but database.managed.enabled is false: each server would run a PostgreSQL of its own with its own data; set database.managed.enabled: true`, count);

    const hc = cfg.loadBalancer.healthCheck;
    if (hc.timeoutSeconds >= hc.delaySeconds)
        add("loadBalancer.healthCheck.timeoutSeconds", `must be below loadBalancer.healthCheck.delaySeconds (${hc.delaySeconds}): a check must end before the next one starts`, hc.timeoutSeconds);
    const port = cfg.loadBalancer.backendPort;
    if ([80, 443, cfg.proxy.statusPort].includes(port))
        add("loadBalancer.backendPort", `collides with one of nginx's own ports (80, 443, proxy.statusPort ${cfg.proxy.statusPort}); pick another such as 8080`, port);

    if (managed.readReplicas > 0 && !managed.enabled) add("database.managed.readReplicas", "needs database.managed.enabled: true (read replicas are Scaleway's)", managed.readReplicas);
    cfg.apps.forEach((app, i) => {
        if (!app.readReplica) return;
        if (!app.database) add(`apps[${i}].readReplica`, "needs database: true: an app without a database has nothing to read", app.readReplica);
        else if (managed.readReplicas === 0) add(`apps[${i}].readReplica`, "needs a read replica: set database.managed.readReplicas to 1 or more", app.readReplica);
    });
}
