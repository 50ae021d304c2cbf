// Releases over several servers: per app service one coordinator (render/app/rollout.sh), run
// where `pulumi up` runs, that rolls the release each server installed, server by server, and
// leaves the whole fleet on the previous version when any server fails.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Host } from "../components/host";
import type { Platform } from "./platform";
import type { PlatformConfig } from "../config/schema";
import type { ServiceKind } from "../config/naming";
import { rolloutScript } from "../render/app/rollout";

export interface FleetServer {
    readonly host: Host;
    /** How a failure names it: "server 2 (51.159.168.241)". */
    readonly label: pulumi.Input<string>;
}

/** One coordinator per app service; returns them, for what must wait until every server serves. */
export function rollouts(cfg: PlatformConfig, platforms: readonly Platform[], servers: readonly FleetServer[]): pulumi.Resource[] {
    return cfg.apps.flatMap((app) =>
        (["frontend", "backend"] as ServiceKind[]).map((kind) => {
            const installed = platforms.map((p) => p.apps[app.name].installed[kind]);
            const parts = servers.map((s, i) => pulumi.all([s.label, s.host.runner, installed[i].identity]).apply(([label, runner, identity]) => ({ label, runner, root: s.host.root, identity })));
            return new command.local.Command(
                `${app.name}-${kind}-rollout`,
                {
                    interpreter: ["/bin/bash", "-c"],
                    create: pulumi.all([installed[0].image, pulumi.all(parts)]).apply(([image, list]) => rolloutScript(app.name, kind, image, list)),
                    addPreviousOutputInEnv: false,
                },
                // After every server installed it (and everything that installation waited for).
                { dependsOn: platforms.map((p) => p.apps[app.name].releases[kind]) },
            );
        }),
    );
}
