// How every container of the platform runs (restart, memory, log rotation, least privilege), as
// data defined once. Adapters turn it into `docker run` flags (app releases, tests) here and into
// Pulumi container arguments in components/hardening.ts; cloud-init's daemon.json uses LOG_OPTS.

/** Docker's json-file rotation: at most 3 files of 10 MB per container. */
export const LOG_OPTS = { "max-size": "10m", "max-file": "3" } as const;
/** Processes and threads per container: far above what nginx, PostgreSQL or a Node app use, low enough to stop a fork bomb. */
export const PIDS_LIMIT = 512;

export interface ContainerPolicy {
    /** Hard memory limit in MiB; swap is not allowed beyond it. */
    readonly memoryMb: number;
    /** Capabilities the image needs after dropping all. */
    readonly addCapabilities: readonly string[];
    /** false only where the image must write to its root filesystem. */
    readonly readOnly: boolean;
    /** Writable in-memory folders (path → mount options). */
    readonly tmpfs: Readonly<Record<string, string>>;
    readonly pidsLimit: number;
}

/** The platform's policy with the given memory limit and exceptions. */
export function containerPolicy(p: { memoryMb: number } & Partial<ContainerPolicy>): ContainerPolicy {
    return { addCapabilities: [], readOnly: true, tmpfs: { "/tmp": "rw,size=64m" }, pidsLimit: PIDS_LIMIT, ...p };
}

export const RESTART = "unless-stopped";
export const NO_NEW_PRIVILEGES = "no-new-privileges:true";

/** `docker run` flags of a policy (everything but name, network, env, user and image). */
export function dockerRunFlags(p: ContainerPolicy): string[] {
    return [
        `--restart=${RESTART}`,
        `--memory=${p.memoryMb}m`,
        `--memory-swap=${p.memoryMb}m`,
        `--pids-limit=${p.pidsLimit}`,
        "--log-driver=json-file",
        ...Object.entries(LOG_OPTS).map(([k, v]) => `--log-opt=${k}=${v}`),
        ...(p.readOnly ? ["--read-only"] : []),
        ...Object.entries(p.tmpfs).map(([path, opts]) => `--tmpfs=${path}:${opts}`),
        "--cap-drop=ALL",
        ...p.addCapabilities.map((c) => `--cap-add=${c}`),
        `--security-opt=${NO_NEW_PRIVILEGES}`,
    ];
}
