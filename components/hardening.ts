// Settings every container gets: restart policy, memory limit, log rotation, least privilege.
import * as docker from "@pulumi/docker";

export const PLATFORM_LABEL = "com.mhylle.platform";
export const WATCHTOWER_ENABLE = "com.centurylinklabs.watchtower.enable";
export const WATCHTOWER_SCOPE = "com.centurylinklabs.watchtower.scope";
/** Docker's json-file rotation: at most 3 files of 10 MB per container. */
export const LOG_OPTS = { "max-size": "10m", "max-file": "3" };

export interface Hardening {
    readonly memoryMb: number;
    /** Role of the container in the platform, e.g. "proxy". */
    readonly role: string;
    /** Capabilities the image needs after dropping all. */
    readonly addCapabilities?: string[];
    /** false where the image must write to its root filesystem. */
    readonly readOnly?: boolean;
    readonly tmpfs?: Record<string, string>;
    /** Label for Watchtower (within the given scope). */
    readonly watchtowerScope?: string;
}

export function labels(role: string, watchtowerScope?: string): docker.types.input.ContainerLabel[] {
    const out = [{ label: PLATFORM_LABEL, value: role }];
    if (watchtowerScope) out.push({ label: WATCHTOWER_ENABLE, value: "true" }, { label: WATCHTOWER_SCOPE, value: watchtowerScope });
    return out;
}

/** Container arguments shared by every core container. */
export function hardened(h: Hardening): Partial<docker.ContainerArgs> {
    return {
        restart: "unless-stopped",
        memory: h.memoryMb,
        memorySwap: h.memoryMb,
        logDriver: "json-file",
        logOpts: LOG_OPTS,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"], adds: h.addCapabilities ?? [] },
        readOnly: h.readOnly ?? true,
        tmpfs: h.tmpfs,
        labels: labels(h.role, h.watchtowerScope),
    };
}
