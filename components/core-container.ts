// A core container Pulumi manages (nginx, PostgreSQL, Watchtower, exporters): its image pulled by a
// RemoteImage (the provider never pulls for a container), the platform's container policy, and two
// commands around it that make replacements safe under the real engine (docs/engine-notes.md):
//   guard  - before a replacement, removes a same-named container the engine would not delete (one
//            recreated outside Pulumi, e.g. by hand), which would fail the create with
//            "name already in use";
//   limits - applies what the provider cannot set (the pids limit), keyed on the container's ID so
//            it runs again for every new container.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { ContainerPolicy, LOG_OPTS, NO_NEW_PRIVILEGES, RESTART } from "../render/container-policy";
import { PLATFORM_LABEL, SPEC_LABEL } from "../stacks/naming";
import { script, shq } from "../render/shell";

/** What a core container is, besides the policy: everything else of docker.ContainerArgs it sets. */
export type CoreContainerArgs = Pick<docker.ContainerArgs, "command" | "envs" | "ports" | "volumes" | "networksAdvanced" | "healthcheck" | "user" | "wait" | "waitTimeout">;

export interface CoreContainerSpec {
    readonly host: Host;
    /** Container name, e.g. mhylle-nginx; also the base of the resources' names. */
    readonly name: string;
    /** Image reference, pinned by digest when the registry was asked. */
    readonly image: string;
    /** Role in the platform, the value of the platform label. */
    readonly role: string;
    readonly policy: ContainerPolicy;
    /** Seconds a stop waits for a clean shutdown before SIGKILL (on delete and replace). */
    readonly stopGraceSeconds: number;
    readonly args: CoreContainerArgs;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Changes to these never reach a running container, though preview shows them: replace instead. */
export const REPLACE_ON_CHANGES = ["healthcheck", "tmpfs"];

/** Pulumi container arguments of a policy (the pids limit is applied by the limits command). */
export function policyArgs(p: ContainerPolicy): Partial<docker.ContainerArgs> {
    return {
        restart: RESTART,
        memory: p.memoryMb,
        memorySwap: p.memoryMb,
        logDriver: "json-file",
        logOpts: { ...LOG_OPTS },
        securityOpts: [NO_NEW_PRIVILEGES],
        capabilities: { drops: ["ALL"], adds: [...p.addCapabilities] },
        readOnly: p.readOnly,
        tmpfs: { ...p.tmpfs },
    };
}

/** Removes a container of that name unless it carries this spec; run before the engine's create. */
export function guardScript(name: string, spec: string, graceSeconds: number): string {
    return script(
        `name=${shq(name)} spec=${shq(spec)} grace=${graceSeconds}`,
        `current=$(docker inspect -f '{{index .Config.Labels "${SPEC_LABEL}"}}' "$name" 2>/dev/null) || exit 0`,
        '[ "$current" = "$spec" ] && exit 0',
        'echo "$name has spec ${current:-none}, not $spec: stopping it so the new container can take its name"',
        'docker stop -t "$grace" "$name" >/dev/null 2>&1 || true',
        'docker rm -f "$name" >/dev/null 2>&1 || true',
    );
}

export function limitsScript(name: string, pidsLimit: number, containerId: string): string {
    return script(`# container ${containerId}`, `docker update --pids-limit ${pidsLimit} ${shq(name)} >/dev/null`);
}

const hashOf = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);

export function coreContainer(parent: pulumi.Resource, s: CoreContainerSpec): { image: docker.RemoteImage; container: docker.Container } {
    const provider = s.host.docker;
    const policy = policyArgs(s.policy);
    // Everything whose change replaces the container (not the update-in-place memory/restart/wait).
    const replacing = { name: s.name, image: s.image, role: s.role, ...policy, memory: undefined, memorySwap: undefined, restart: undefined, ...s.args, wait: undefined, waitTimeout: undefined };
    // A hash reveals nothing of a secret env value, and the guard's log must stay readable.
    const spec = pulumi.unsecret(pulumi.output(replacing).apply(hashOf));
    const guard = s.host.runScript(`${s.name}-guard`, { create: spec.apply((h) => guardScript(s.name, h, s.stopGraceSeconds)) }, { parent });
    const image = new docker.RemoteImage(`${s.name}-image`, { name: s.image, keepLocally: true }, { parent, provider });
    const container = new docker.Container(
        s.name,
        {
            name: s.name,
            image: image.imageId,
            ...policy,
            ...s.args,
            labels: [
                { label: PLATFORM_LABEL, value: s.role },
                { label: SPEC_LABEL, value: spec },
            ],
            destroyGraceSeconds: s.stopGraceSeconds,
        },
        { parent, provider, dependsOn: [guard, ...(s.dependsOn ?? [])], replaceOnChanges: REPLACE_ON_CHANGES, deleteBeforeReplace: true },
    );
    s.host.runScript(`${s.name}-limits`, { create: container.id.apply((id) => limitsScript(s.name, s.policy.pidsLimit, id)) }, { parent, dependsOn: [container] });
    return { image, container };
}
