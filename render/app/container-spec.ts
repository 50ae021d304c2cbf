// How an app service's container is run: the one place that turns app config into `docker run`
// flags, so the release script, tests and the e2e applier agree.
import type { AppConfig, ServiceConfig } from "../../stacks/schema";
import { DATABASE_NETWORK, ServiceKind, appNetwork, serviceBaseName } from "../../stacks/naming";
import { LOG_OPTS, PLATFORM_LABEL, WATCHTOWER_ENABLE, WATCHTOWER_SCOPE } from "../../components/hardening";

export interface ContainerSpec {
    /** Base name; a release appends its slot (e.g. app1-backend-3f2a9c1b). */
    readonly baseName: string;
    readonly image: string;
    readonly port: number;
    readonly healthPath: string;
    /** First network: the app's own. */
    readonly network: string;
    /** Joined after creation, before start: the database network for backends. */
    readonly extraNetworks: string[];
    readonly memoryMb: number;
    readonly labels: Record<string, string>;
    /** Arguments of `docker run` except name, network, env file and image. */
    readonly runArgs: string[];
}

/** Health check run inside the container (by /bin/sh): curl where the image has it, else wget. */
export function healthCommand(url: string): string {
    return `if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null ${url}; else wget -q -O /dev/null ${url}; fi`;
}

export function containerSpec(app: AppConfig, kind: ServiceKind, watchtowerScope: string): ContainerSpec {
    const svc: ServiceConfig = app[kind];
    const labels: Record<string, string> = { [PLATFORM_LABEL]: `app:${app.name}:${kind}` };
    if (app.watchtower) Object.assign(labels, { [WATCHTOWER_ENABLE]: "true", [WATCHTOWER_SCOPE]: watchtowerScope });
    const runArgs = [
        "--restart=unless-stopped",
        `--memory=${svc.memoryMb}m`,
        `--memory-swap=${svc.memoryMb}m`,
        "--log-driver=json-file",
        ...Object.entries(LOG_OPTS).map(([k, v]) => `--log-opt=${k}=${v}`),
        "--read-only",
        "--tmpfs=/tmp:rw,size=64m",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges:true",
        ...(svc.user ? [`--user=${svc.user}`] : []),
        // The image needs curl or wget (the platform's image contract, docs/app-contract.md).
        `--health-cmd=${healthCommand(`http://127.0.0.1:${svc.port}${svc.healthPath}`)}`,
        "--health-interval=2s",
        "--health-timeout=2s",
        "--health-retries=3",
        "--health-start-period=5s",
        ...Object.entries(labels).map(([k, v]) => `--label=${k}=${v}`),
    ];
    return {
        baseName: serviceBaseName(app.name, kind),
        image: svc.image,
        port: svc.port,
        healthPath: svc.healthPath,
        network: appNetwork(app.name),
        extraNetworks: kind === "backend" && app.database ? [DATABASE_NETWORK] : [],
        memoryMb: svc.memoryMb,
        labels,
        runArgs,
    };
}
