// A core container Pulumi manages (nginx, PostgreSQL, Watchtower, exporters): its image pulled by a
// RemoteImage (the provider never pulls for a container), the platform's container policy, and two
// commands around it that make replacements safe under the real engine (docs/engine-notes.md):
//   guard  - before a replacement, removes a same-named container the engine would not delete (one
//            recreated outside Pulumi, e.g. by hand), which would fail the create with
//            "name already in use". It runs only after the RemoteImage has pulled the new image
//            and itself refuses to stop anything while that image is not on the server: a failed
//            pull leaves the old nginx or PostgreSQL running (the engine's own delete of the old
//            container waits for the image too: the container's `image` is the RemoteImage's ID);
//   ready  - applies what the provider cannot set (the pids limit) and waits until the container
//            answers its health check, keyed on the container's ID so it runs again for every new
//            container. Not the provider's `wait`: that polls Docker's health status, which starts
//            only after the first interval, and would hold back everything that follows a
//            replacement (nginx joining the app networks) for that long; a failed readiness
//            command also leaves nothing in state, so the next `up` checks again.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { ContainerPolicy, LOG_OPTS, NO_NEW_PRIVILEGES, RESTART } from "../render/container-policy";
import { PLATFORM_LABEL, SPEC_LABEL } from "../config/naming";
import { script, shq } from "../render/shell";

/** What a core container is, besides the policy: everything else of docker.ContainerArgs it sets. */
export type CoreContainerArgs = Pick<docker.ContainerArgs, "command" | "envs" | "ports" | "volumes" | "networksAdvanced" | "user" | "networkMode" | "stopSignal" | "sysctls" | "init">;

/** The container's health check: Docker runs it every interval; readiness runs it at once, repeatedly. */
export interface HealthCheck {
    /** Run inside the container (argv, no shell). */
    readonly test: readonly string[];
    /** Seconds a new container gets to pass it. */
    readonly readyTimeoutSeconds: number;
}

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
    readonly health?: HealthCheck;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** What makes the image on the server (a build): the RemoteImage looks for it after, and so never pulls it. */
    readonly imageBuiltBy?: pulumi.Resource;
    /**
     * A command that must run before the old container is stopped for a replacement (the pooler's
     * PAUSE), given the same key as the guard: it changes, and so runs, exactly when the spec or
     * the image does. It runs after the new image is on the server and the container's other
     * dependencies (so nothing else runs inside the pause), and before the guard, which stops the
     * old container; the container waits for both.
     */
    readonly beforeReplace?: (key: pulumi.Output<string>, after: pulumi.Input<pulumi.Resource>[]) => pulumi.Resource;
    /**
     * Replace by starting the new container beside the old one, which the engine deletes at the end
     * of the `up` (docs/engine-notes.md section 25): the container's name ends in its spec hash, so
     * every replacement has a new name. For nginx, whose instances share the ports (components/proxy.ts).
     */
    readonly createBeforeDelete?: boolean;
    /** The image is the one the container was created with: a new image never replaces it (the nginx holder). */
    readonly keepImage?: boolean;
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

/** The image a replacement will run: its ID on the server and the reference it was pulled by. */
export interface GuardImage {
    readonly id: string;
    readonly ref: string;
}

/**
 * Removes a container of that name unless it carries this spec; run before the engine's create.
 * Nothing is stopped unless the new image is on the server: without it the old container keeps
 * running and the guard fails, naming the image.
 */
export function guardScript(name: string, spec: string, graceSeconds: number, image: GuardImage, createBeforeDelete?: { readonly label: string }): string {
    // Create before delete: a container of this name (its spec hash) with a newer one of its role
    // beside it is the old half of an earlier replacement that failed, still serving and pending
    // delete (going back to the image before a failed change). It keeps serving under another name;
    // the engine deletes it by ID at the end. With none newer it is the current one (the guard
    // re-runs whenever its own text or connection changes): kept as it is.
    if (createBeforeDelete)
        return script(
            `name=${shq(name)} label=${shq(createBeforeDelete.label)}`,
            `id=$(docker inspect -f '{{.Id}}' "$name" 2>/dev/null) || exit 0`,
            // `--latest`: the newest container that passes the filter (the daemon lists newest first).
            'newer=$(docker ps -aq --no-trunc --latest --filter "label=$label")',
            'if [ -z "$newer" ] || [ "$newer" = "$id" ]; then echo "$name is the current one of its role: kept"; exit 0; fi',
            'docker rename "$name" "$name-replaced-${id:0:12}"',
            'echo "$name, the old half of an earlier replacement (${newer:0:12} is newer), is renamed $name-replaced-${id:0:12} and serves until the engine deletes it"',
        );
    return script(
        `name=${shq(name)} spec=${shq(spec)} grace=${graceSeconds} image=${shq(image.id)} ref=${shq(image.ref)}`,
        `current=$(docker inspect -f '{{index .Config.Labels "${SPEC_LABEL}"}}' "$name" 2>/dev/null) || exit 0`,
        '[ "$current" = "$spec" ] && exit 0',
        'if ! docker image inspect "$image" >/dev/null 2>&1; then',
        '  echo "the image $ref ($image) is not on the server: $name keeps running, nothing was stopped" >&2',
        "  exit 1",
        "fi",
        'echo "$name has spec ${current:-none}, not $spec: stopping it so the new container can take its name"',
        'docker stop -t "$grace" "$name" >/dev/null 2>&1 || true',
        'docker rm -f "$name" >/dev/null 2>&1 || true',
    );
}

/**
 * Applies the pids limit, then waits until the health check passes (or the container stops).
 * `stopOnFailureSeconds`: a new container that runs beside the old one (create before delete) is
 * stopped when it fails, within that grace: it would take a share of the connections the old one
 * serves, and one that restarts in a loop fails every `docker exec` (nginx -t, reloads).
 */
export function readyScript(name: string, containerId: string, pidsLimit: number, health?: HealthCheck, stopOnFailureSeconds?: number): string {
    const beside = stopOnFailureSeconds !== undefined;
    const stop = beside ? [`    docker stop -t ${stopOnFailureSeconds} "$name" >/dev/null 2>&1 || true`, '    echo "stopped $name; the container it was to replace keeps serving" >&2'] : [];
    // Beside the old one, a container restarting in a loop (it reads as running) has failed: nothing waits on it.
    const running = beside ? `"$(docker inspect -f '{{.State.Running}} {{.State.Restarting}}' "$name" 2>/dev/null)" != "true false"` : `"$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true`;
    const wait = health
        ? [
              `deadline=$((SECONDS + ${health.readyTimeoutSeconds}))`,
              `until docker exec "$name" ${health.test.map(shq).join(" ")} >/dev/null 2>&1; do`,
              `  if [ ${running} ] || [ $SECONDS -ge $deadline ]; then`,
              `    echo "$name did not pass its health check within ${health.readyTimeoutSeconds}s; last log lines:" >&2`,
              '    docker logs --tail 20 "$name" >&2 2>&1 || true',
              ...stop,
              "    exit 1",
              "  fi",
              "  sleep 0.25",
              "done",
              'echo "$name is ready"',
          ]
        : [];
    // Stopped by this command in an earlier `up` that failed: the same `up` again checks it again.
    const restart = beside ? ['if [ "$(docker inspect -f \'{{.State.Status}}\' "$name")" = exited ]; then docker start "$name" >/dev/null; fi'] : [];
    return script(`# container ${containerId}`, `name=${shq(name)}`, ...restart, `docker update --pids-limit ${pidsLimit} "$name" >/dev/null`, ...wait);
}

/** Stops (with the container's own stop signal) and removes the container of that name, if any. */
export function retireScript(name: string, graceSeconds: number): string {
    return script(`name=${shq(name)}`, `docker stop -t ${graceSeconds} "$name" >/dev/null 2>&1 || true`, 'docker rm -f "$name" >/dev/null 2>&1 || true');
}

const hashOf = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);

export function coreContainer(parent: pulumi.Resource, s: CoreContainerSpec): { image: docker.RemoteImage; container: docker.Container; ready: pulumi.Resource } {
    const provider = s.host.docker;
    const policy = policyArgs(s.policy);
    // Everything whose change replaces the container (not the update-in-place memory/restart/wait).
    const healthcheck = s.health && { tests: ["CMD", ...s.health.test], interval: "10s", timeout: "3s", retries: 3, startPeriod: "5s" };
    const replacing = { name: s.name, image: s.keepImage ? undefined : s.image, role: s.role, ...policy, memory: undefined, memorySwap: undefined, restart: undefined, ...s.args, healthcheck };
    // A hash reveals nothing of a secret env value, and the guard's log must stay readable.
    const spec = pulumi.unsecret(pulumi.output(replacing).apply(hashOf));
    const name = s.createBeforeDelete ? spec.apply((h) => `${s.name}-${h}`) : pulumi.output(s.name);
    const image = new docker.RemoteImage(s.host.name(`${s.name}-image`), { name: s.image, keepLocally: true }, { parent, provider, ...(s.imageBuiltBy ? { dependsOn: [s.imageBuiltBy] } : {}) });
    // Before the guard, which is what stops the old container (the pooler's PAUSE must hold the
    // apps' queries before PostgreSQL goes down, not after).
    const before = s.beforeReplace?.(pulumi.all([spec, image.imageId]).apply(([h, id]) => `spec ${h}, image ${id}`), [image, ...(s.dependsOn ?? [])]);
    // After the pull: a failed pull stops the `up` before anything is stopped.
    const guard = s.host.runScript(
        `${s.name}-guard`,
        { create: pulumi.all([name, spec, image.imageId]).apply(([n, h, id]) => guardScript(n, h, s.stopGraceSeconds, { id, ref: s.image }, s.createBeforeDelete ? { label: `${PLATFORM_LABEL}=${s.role}` } : undefined)) },
        { parent, dependsOn: [image, ...(before ? [before] : [])] },
    );
    const container = new docker.Container(
        s.host.name(s.name),
        {
            name,
            image: image.imageId,
            ...policy,
            ...s.args,
            healthcheck,
            labels: [
                { label: PLATFORM_LABEL, value: s.role },
                { label: SPEC_LABEL, value: spec },
            ],
            destroyGraceSeconds: s.stopGraceSeconds,
        },
        // After the host is ready: on the local target its data folder (bind mounts) outlives the container.
        {
            parent,
            provider,
            dependsOn: [s.host.ready, guard, ...(before ? [before] : []), ...(s.dependsOn ?? [])],
            replaceOnChanges: REPLACE_ON_CHANGES,
            deleteBeforeReplace: !s.createBeforeDelete,
            // keepImage: the holder runs only a sleep, and replacing it would close every connection (why: components/proxy.ts).
            ...(s.keepImage ? { ignoreChanges: ["image"] } : {}),
        },
    );
    // Create before delete: the provider deletes the old container by its ID, so one recreated by
    // hand under the same name would keep running beside the new one. The ready command is replaced
    // with the container (its name is a trigger), and the old one's delete, at the end of the `up`
    // just before the container's, stops and removes whatever runs under the old name.
    const retire = s.createBeforeDelete ? { triggers: [name], delete: name.apply((n) => retireScript(n, s.stopGraceSeconds)) } : {};
    const ready = s.host.runScript(`${s.name}-ready`, { create: pulumi.all([container.name, container.id]).apply(([n, id]) => readyScript(n, id, s.policy.pidsLimit, s.health, s.createBeforeDelete ? s.stopGraceSeconds : undefined)), ...retire }, { parent, dependsOn: [container] });
    return { image, container, ready };
}
