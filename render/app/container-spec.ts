// How an app service's container is run: the one place that turns app config into `docker run`
// flags, so the release script, tests and the e2e applier agree.
import type { AppConfig, ServiceConfig } from "../../config/schema";
import { PLATFORM_LABEL, ServiceKind, WATCHTOWER_ENABLE, WATCHTOWER_SCOPE, appDatabaseNetwork, appNetwork, serviceBaseName } from "../../config/naming";
import { containerPolicy, dockerRunFlags } from "../container-policy";
import { CONTAINER_CA_PATH } from "../managed-database";

export interface ContainerSpec {
    /** Base name; a release appends its identity (e.g. app1-backend-3f2a9c1b0d). */
    readonly baseName: string;
    readonly port: number;
    readonly healthPath: string;
    /** First network: the app's own, where nginx reaches the container by its slot's alias. */
    readonly network: string;
    /** Joined after creation, before start: the app's database network for backends. */
    readonly extraNetworks: string[];
    /** Label every container of this service carries (`key=value`). */
    readonly label: string;
    /** Health check run inside the container, by /bin/sh. */
    readonly healthCommand: string;
    /** Arguments of `docker run` except name, network, env, health command and image. */
    readonly runArgs: string[];
    /**
     * Variables of the env file that are secret: the release loads them from a read-only file inside
     * the container instead of its environment, so `docker inspect` never shows them (release.sh).
     */
    readonly secretNames: string[];
}

/** The database variables a backend gets that hold its password (components/app.ts, render/managed-database.ts). */
export const DATABASE_SECRET_NAMES = ["DATABASE_PASSWORD", "DATABASE_URL", "DATABASE_READ_URL"] as const;

/** Health check run inside the container (by /bin/sh): curl where the image has it, else wget. */
export function healthCommand(url: string): string {
    return `if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null ${url}; else wget -q -O /dev/null ${url}; fi`;
}

/**
 * @param managedCaFile with the managed database: the instance's certificate on the server, which a
 * backend gets read-only (its DATABASE_URL checks the server against it); it reaches the database
 * through its app network and the server's private network, so it joins no database network.
 */
export function containerSpec(app: AppConfig, kind: ServiceKind, watchtowerScope: string, managedCaFile?: string): ContainerSpec {
    const svc: ServiceConfig = app[kind];
    const label = `${PLATFORM_LABEL}=app:${app.name}:${kind}`;
    // An app that did not opt in says so: an image may carry Watchtower's labels itself, and a
    // container inherits its image's labels unless it sets its own (Watchtower skips `false`).
    const watchtower = app.watchtower ? [`--label=${WATCHTOWER_ENABLE}=true`, `--label=${WATCHTOWER_SCOPE}=${watchtowerScope}`] : [`--label=${WATCHTOWER_ENABLE}=false`];
    const runArgs = [
        ...dockerRunFlags(containerPolicy({ memoryMb: svc.memoryMb })),
        ...(svc.user ? [`--user=${svc.user}`] : []),
        // Docker's own check feeds the status report and the watch; a release probes at once itself.
        "--health-interval=2s",
        `--health-timeout=${app.release.healthCheckTimeoutSeconds}s`,
        "--health-retries=3",
        "--health-start-period=5s",
        `--label=${label}`,
        ...watchtower,
        ...(managedCaFile && kind === "backend" && app.database ? [`--volume=${managedCaFile}:${CONTAINER_CA_PATH}:ro`] : []),
    ];
    return {
        baseName: serviceBaseName(app.name, kind),
        port: svc.port,
        healthPath: svc.healthPath,
        network: appNetwork(app.name),
        extraNetworks: kind === "backend" && app.database && !managedCaFile ? [appDatabaseNetwork(app.name)] : [],
        label,
        // The image needs curl or wget (the platform's image contract, docs/app-contract.md).
        healthCommand: healthCommand(`http://127.0.0.1:${svc.port}${svc.healthPath}`),
        runArgs,
        secretNames: [...Object.keys(svc.secretEnv), ...(kind === "backend" && app.database ? DATABASE_SECRET_NAMES : [])],
    };
}
