// Rules for more than one server and the managed database: what a single field cannot say.
import type { PlatformConfig } from "./schema";
import { SHARED_DATABASE, databaseName } from "./naming";
import { listenerPortProblem } from "./host-ports";

type Add = (field: string, problem: string, got: unknown) => void;

/** More than one server, or the managed database: only where Scaleway's services exist. */
export function multiServerProblems(cfg: PlatformConfig, add: Add) {
    const count = cfg.server.count;
    const managed = cfg.database.managed;
    if (cfg.target === "local") localStandIns(cfg, add);
    if (count > 1 && !managed.enabled)
        add("server.count", `is ${count} but database.managed.enabled is false: each server would run a PostgreSQL of its own with its own data; set database.managed.enabled: true`, count);

    if (count > 1 && managed.enabled && managed.phase === "copying")
        add("database.managed.phase", "is copying, when apps still use the first server's PostgreSQL container, which the other servers cannot reach; finish the move with one server (docs/runbooks/move-to-the-managed-database.md), then add servers", managed.phase);

    const hc = cfg.loadBalancer.healthCheck;
    if (hc.timeoutSeconds >= hc.delaySeconds)
        add("loadBalancer.healthCheck.timeoutSeconds", `must be below loadBalancer.healthCheck.delaySeconds (${hc.delaySeconds}): a check must end before the next one starts`, hc.timeoutSeconds);
    const port = cfg.loadBalancer.backendPort;
    if ([80, 443, cfg.proxy.statusPort].includes(port))
        add("loadBalancer.backendPort", `collides with one of nginx's own ports (80, 443, proxy.statusPort ${cfg.proxy.statusPort}); pick another such as 8080`, port);
    else {
        const inUse = listenerPortProblem(port);
        if (inUse) add("loadBalancer.backendPort", inUse, port);
    }

    // The provider refuses other sizes before any call (rdb/instance.go volume_size_in_gb: IntDivisibleBy(5)).
    const size = managed.volume.sizeGb;
    if (managed.enabled && managed.volume.type !== "lssd" && size % 5 !== 0)
        add("database.managed.volume.sizeGb", `must be a multiple of 5, as Scaleway's block volumes are; use ${Math.ceil(size / 5) * 5}`, size);

    const phase = cfg.loadBalancer.phase;
    if (phase !== "done" && (cfg.target !== "scaleway" || count < 2))
        add("loadBalancer.phase", `is ${phase}, a step of going from one server to several behind Scaleway's load balancer: it needs target scaleway and server.count above 1 (set it with the new server.count, docs/runbooks/add-a-server.md)`, phase);
    // Server 1 alone served HTTPS with HSTS; without a certificate the load balancer has no port 443.
    if (phase !== "done" && !cfg.loadBalancer.letsEncrypt)
        add("loadBalancer.letsEncrypt", `is false while loadBalancer.phase is ${phase}: server 1 serves HTTPS with HSTS (browsers that saw it refuse plain HTTP for two years), and from phase certificate on the load balancer, where DNS points, would serve port 80 only; set loadBalancer.letsEncrypt: true for the move (docs/runbooks/add-a-server.md)`, false);
    if (phase === "dns" && cfg.proxy.bindAddress !== "0.0.0.0")
        add("proxy.bindAddress", `is ${cfg.proxy.bindAddress}: in loadBalancer.phase dns the load balancer reaches server 1's nginx on its private address; use 0.0.0.0 (the security group still limits the public side)`, cfg.proxy.bindAddress);
    retireProblems(cfg, add);
    existingDatabaseProblems(cfg, add);
    if (managed.readReplicas > 0 && !managed.enabled) add("database.managed.readReplicas", "needs database.managed.enabled: true (read replicas are Scaleway's)", managed.readReplicas);
    cfg.apps.forEach((app, i) => {
        if (!app.readReplica) return;
        if (!app.database) add(`apps[${i}].readReplica`, "needs database: true: an app without a database has nothing to read", app.readReplica);
        else if (managed.readReplicas === 0) add(`apps[${i}].readReplica`, "needs a read replica: set database.managed.readReplicas to 1 or more", app.readReplica);
    });
}

/**
 * server.retire names the highest servers still counted (the names end in -sk by position, so only
 * the last ones can go), and leaves at least two: back to one server the load balancer and its
 * protected IP would go too, which this step does not cover. Numbers above server.count are servers
 * already removed: kept there harmlessly until the runbook's last step drops the field.
 */
function retireProblems(cfg: PlatformConfig, add: Add) {
    const count = cfg.server.count;
    const retire = cfg.server.retire;
    const counted = retire.filter((k) => k <= count);
    if (!counted.length) return;
    const kept = count - new Set(counted).size;
    const last = Array.from({ length: count - kept }, (_, i) => kept + 1 + i);
    if (cfg.target !== "scaleway" || count < 2)
        add("server.retire", "removes servers from behind Scaleway's load balancer: it needs target scaleway and server.count above 1", retire);
    else if (kept < 2)
        add("server.retire", `would leave ${kept} server(s); removing servers goes down to 2 at least (back to one server the load balancer and its protected IP would go too: not covered by docs/runbooks/remove-a-server.md)`, retire);
    else if (!last.every((k) => counted.includes(k)))
        add("server.retire", `must name the last servers of server.count ${count} (servers are numbered by position, only the highest can go): use [${last.join(", ")}] (docs/runbooks/remove-a-server.md)`, retire);
}

/** Each database to import is one the program declares, on the instance's region, once. */
function existingDatabaseProblems(cfg: PlatformConfig, add: Add) {
    const managed = cfg.database.managed;
    const declared = [...cfg.apps.filter((a) => a.database).map((a) => databaseName(a.name)), ...(cfg.database.sharedDb ? [SHARED_DATABASE] : [])];
    const region = cfg.server.zone.replace(/-[0-9]+$/, "");
    const names = managed.existingDatabases.map((id) => id.split("/")[2]);
    managed.existingDatabases.forEach((id, i) => {
        const field = `database.managed.existingDatabases[${i}]`;
        const [idRegion, , name] = id.split("/");
        if (!managed.enabled) add(field, "needs database.managed.enabled: true (it is a database on Scaleway's instance)", id);
        else if (!declared.includes(name)) add(field, `names ${name}, which no app with database: true has here (${declared.join(", ")}); add the app back first, or remove this line`, id);
        else if (idRegion !== region) add(field, `is in ${idRegion}, but the instance is in ${region} (server.zone ${cfg.server.zone})`, id);
        else if (names.indexOf(name) < i) add(field, `names ${name} a second time; keep one line per database`, id);
    });
}

/** On this machine the servers, the load balancer and the database are stand-ins the tests provide. */
function localStandIns(cfg: PlatformConfig, add: Add) {
    const count = cfg.server.count;
    const servers = cfg.local.servers;
    if (count > 1 && servers.length !== count)
        add("server.count", `above 1 needs target scaleway (the servers sit behind Scaleway's Load Balancer); on the local target only tests run it, with local.servers naming one Docker engine per server (${servers.length} given)`, count);
    const seen = (key: "dockerHost" | "dataDir" | "backendPort") =>
        servers.forEach((s, i) => {
            const j = servers.findIndex((o) => o[key] === s[key]);
            if (j < i) add(`local.servers[${i}].${key}`, `is local.servers[${j}]'s too; each server needs its own`, s[key]);
        });
    (["dockerHost", "dataDir", "backendPort"] as const).forEach(seen);
    servers.forEach((s, i) => {
        const inUse = listenerPortProblem(s.backendPort);
        if (inUse) add(`local.servers[${i}].backendPort`, inUse, s.backendPort);
    });
    const managed = cfg.database.managed;
    if (managed.enabled && !cfg.local.managedDatabase)
        add("database.managed.enabled", "needs target scaleway: the database is Scaleway's managed PostgreSQL (on the local target only tests run it, with local.managedDatabase)", managed.enabled);
    if (managed.enabled && managed.readReplicas > 0) add("database.managed.readReplicas", "needs target scaleway: the local stand-in has no replicas", managed.readReplicas);
}
