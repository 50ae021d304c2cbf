// Docker (pulumi-docker v5.1.0 over kreuzwerker/terraform-provider-docker v4.5.0): what a change to
// each input of a container, network, volume or image does, with the source it was read from. Data only.
import type { ResourceRules } from "./types";

const KW_CONTAINER_FORCENEW =
    "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container.go resourceDockerContainer schema: ForceNew";
const KW_CONTAINER_UPDATE =
    "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container_funcs.go resourceDockerContainerUpdate: attrs list -> ContainerUpdate";
const KW_CONTAINER_NOEFFECT =
    "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container.go: not ForceNew, and not handled in resourceDockerContainerUpdate";
const KW_CONTAINER_CREATEONLY =
    "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container_funcs.go: read only by resourceDockerContainerCreate";
const KW_CONTAINER_LATER =
    "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container_funcs.go: read only by resourceDockerContainerDelete/Read";
const NETWORK_FORCENEW = "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_network.go schema: ForceNew";
const VOLUME_FORCENEW = "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_volume.go schema: ForceNew";
const IMAGE_UPDATE = "pulumi-docker v5.1.0 provider/provider.go Diff/diffUpdates + Update";
const IMAGE_REGISTRY_AUTH = "pulumi-docker v5.1.0 provider/provider.go diffUpdates: only registry.server counts";

export const dockerContainer: ResourceRules = {
    token: "docker:index/container:Container",
    deleteBeforeReplace: true,
    replaceOn: [
        "image", "name", "command", "entrypoints", "envs", "labels", "ports", "networksAdvanced", "volumes",
        "mounts", "capabilities", "securityOpts", "user", "readOnly", "logDriver", "logOpts", "ulimits",
        "shmSize", "hostname", "domainname", "dns", "dnsOpts", "dnsSearches", "hosts", "workingDir",
        "stopSignal", "stopTimeout", "networkMode", "publishAllPorts", "privileged", "devices",
        "deviceRequests", "gpus", "cpus", "uploads", "sysctls", "ipcMode", "pidMode", "usernsMode",
        "groupAdds", "tty", "stdinOpen", "storageOpts", "runtime", "platform", "cgroupnsMode",
        "cgroupParent",
    ],
    updateInPlace: [
        "restart", "maxRetryCount", "memory", "memorySwap", "memoryReservation", "cpuShares", "cpuSet",
        "deviceReadBps", "deviceReadIops", "deviceWriteBps", "deviceWriteIops", "mustRun",
    ],
    noEffect: [
        "healthcheck", "tmpfs", "init", "cpuPeriod", "cpuQuota", "wait", "waitTimeout", "start", "attach",
        "logs", "rm", "destroyGraceSeconds", "removeVolumes", "containerReadRefreshTimeoutMilliseconds",
    ],
    conditional: {
        mustRun: "false->true starts the container (ContainerStart); true->false does nothing",
        user: "a change to \"\" is suppressed (DiffSuppressFunc); any other change replaces",
    },
    undetermined: [
        "deviceCgroupRules",
    ],
    source:
        "pulumi-docker v5.1.0 (e944612c4c) provider/resources.go: docker_container DeleteBeforeReplace: true. Delete = ContainerStop(timeout destroyGraceSeconds, 0 if unset) + ContainerRemove(Force, RemoveVolumes), 'No such container' ignored; Create fails on an existing name (ContainerCreate); Read drops a vanished ID from state (kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container_funcs.go)",
    sources: {
        image: KW_CONTAINER_FORCENEW,
        name: KW_CONTAINER_FORCENEW,
        command: KW_CONTAINER_FORCENEW,
        entrypoints: KW_CONTAINER_FORCENEW,
        envs: KW_CONTAINER_FORCENEW,
        labels: KW_CONTAINER_FORCENEW,
        ports: KW_CONTAINER_FORCENEW,
        networksAdvanced: KW_CONTAINER_FORCENEW,
        volumes: KW_CONTAINER_FORCENEW,
        mounts: KW_CONTAINER_FORCENEW,
        capabilities: KW_CONTAINER_FORCENEW,
        securityOpts: KW_CONTAINER_FORCENEW,
        user: KW_CONTAINER_FORCENEW,
        readOnly: KW_CONTAINER_FORCENEW,
        logDriver: KW_CONTAINER_FORCENEW,
        logOpts: KW_CONTAINER_FORCENEW,
        ulimits: KW_CONTAINER_FORCENEW,
        shmSize: KW_CONTAINER_FORCENEW,
        hostname: KW_CONTAINER_FORCENEW,
        domainname: KW_CONTAINER_FORCENEW,
        dns: KW_CONTAINER_FORCENEW,
        dnsOpts: KW_CONTAINER_FORCENEW,
        dnsSearches: KW_CONTAINER_FORCENEW,
        hosts: KW_CONTAINER_FORCENEW,
        workingDir: KW_CONTAINER_FORCENEW,
        stopSignal: KW_CONTAINER_FORCENEW,
        stopTimeout: KW_CONTAINER_FORCENEW,
        networkMode: KW_CONTAINER_FORCENEW,
        publishAllPorts: KW_CONTAINER_FORCENEW,
        privileged: KW_CONTAINER_FORCENEW,
        devices: KW_CONTAINER_FORCENEW,
        deviceRequests: KW_CONTAINER_FORCENEW,
        gpus: KW_CONTAINER_FORCENEW,
        cpus: KW_CONTAINER_FORCENEW,
        uploads: KW_CONTAINER_FORCENEW,
        sysctls: KW_CONTAINER_FORCENEW,
        ipcMode: KW_CONTAINER_FORCENEW,
        pidMode: KW_CONTAINER_FORCENEW,
        usernsMode: KW_CONTAINER_FORCENEW,
        groupAdds: KW_CONTAINER_FORCENEW,
        tty: KW_CONTAINER_FORCENEW,
        stdinOpen: KW_CONTAINER_FORCENEW,
        storageOpts: KW_CONTAINER_FORCENEW,
        runtime: KW_CONTAINER_FORCENEW,
        platform: KW_CONTAINER_FORCENEW,
        cgroupnsMode: KW_CONTAINER_FORCENEW,
        cgroupParent: KW_CONTAINER_FORCENEW,
        restart: KW_CONTAINER_UPDATE,
        maxRetryCount: KW_CONTAINER_UPDATE,
        memory: KW_CONTAINER_UPDATE,
        memorySwap: KW_CONTAINER_UPDATE,
        memoryReservation: KW_CONTAINER_UPDATE,
        cpuShares: KW_CONTAINER_UPDATE,
        cpuSet: KW_CONTAINER_UPDATE,
        deviceReadBps: KW_CONTAINER_UPDATE,
        deviceReadIops: KW_CONTAINER_UPDATE,
        deviceWriteBps: KW_CONTAINER_UPDATE,
        deviceWriteIops: KW_CONTAINER_UPDATE,
        mustRun: "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_container_funcs.go resourceDockerContainerUpdate (must_run false->true) and resourceDockerContainerRead (sets false when stopped)",
        healthcheck: KW_CONTAINER_NOEFFECT,
        tmpfs: KW_CONTAINER_NOEFFECT,
        init: KW_CONTAINER_NOEFFECT,
        cpuPeriod: KW_CONTAINER_NOEFFECT,
        cpuQuota: KW_CONTAINER_NOEFFECT,
        wait: KW_CONTAINER_CREATEONLY,
        waitTimeout: KW_CONTAINER_CREATEONLY,
        start: KW_CONTAINER_CREATEONLY,
        attach: KW_CONTAINER_CREATEONLY,
        logs: KW_CONTAINER_CREATEONLY,
        rm: KW_CONTAINER_CREATEONLY,
        destroyGraceSeconds: KW_CONTAINER_LATER,
        removeVolumes: KW_CONTAINER_LATER,
        containerReadRefreshTimeoutMilliseconds: KW_CONTAINER_LATER,
        deviceCgroupRules: "in @pulumi/docker 5.2.0 container.d.ts but not in kreuzwerker v4.5.0: not read",
    },
};

export const dockerNetwork: ResourceRules = {
    token: "docker:index/network:Network",
    deleteBeforeReplace: true,
    replaceOn: [
        "name", "labels", "driver", "options", "internal", "attachable", "ingress", "ipv6", "ipamDriver",
        "ipamOptions", "ipamConfigs",
    ],
    updateInPlace: [],
    noEffect: [],
    conditional: {},
    undetermined: [],
    source:
        "DBR only because our program sets name: pulumi-terraform-bridge v3.133.0 pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace (an explicitly set autonamed `name` => DBR); pulumi-docker v5.1.0 provider/resources.go SetAutonaming(255, \"-\"). No Update function (kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_network.go); delete retries NetworkRemove 30 s while 'has active endpoints', then fails (resource_docker_network_funcs.go)",
    sources: {
        name: NETWORK_FORCENEW,
        labels: NETWORK_FORCENEW,
        driver: NETWORK_FORCENEW,
        options: NETWORK_FORCENEW,
        internal: NETWORK_FORCENEW,
        attachable: NETWORK_FORCENEW,
        ingress: NETWORK_FORCENEW,
        ipv6: NETWORK_FORCENEW,
        ipamDriver: NETWORK_FORCENEW,
        ipamOptions: NETWORK_FORCENEW,
        ipamConfigs: NETWORK_FORCENEW,
    },
};

export const dockerVolume: ResourceRules = {
    token: "docker:index/volume:Volume",
    deleteBeforeReplace: true,
    replaceOn: [
        "name", "labels", "driver", "driverOpts", "cluster",
    ],
    updateInPlace: [
        "cluster.availability",
    ],
    noEffect: [],
    conditional: {
        "cluster.availability": "in place for swarm cluster volumes only (VolumeUpdate)",
    },
    undetermined: [],
    source:
        "DBR only because our program sets name: pulumi-terraform-bridge v3.133.0 pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace (an explicitly set autonamed `name` => DBR); pulumi-docker v5.1.0 provider/resources.go SetAutonaming(255, \"-\"). kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_volume.go; delete retries VolumeRemove(force) 30 s while 'volume is in use'",
    sources: {
        name: VOLUME_FORCENEW,
        labels: VOLUME_FORCENEW,
        driver: VOLUME_FORCENEW,
        driverOpts: VOLUME_FORCENEW,
        cluster: VOLUME_FORCENEW,
        "cluster.availability": "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_volume.go resourceDockerVolumeUpdate",
    },
};

export const dockerImage: ResourceRules = {
    token: "docker:index/image:Image",
    deleteBeforeReplace: false,
    replaceOn: [],
    updateInPlace: [
        "build", "imageName", "skipPush", "buildOnPreview", "registry.server",
    ],
    noEffect: [
        "registry.username", "registry.password",
    ],
    conditional: {
        build: "Check adds build.contextDigest (hash of the context minus .dockerignore, plus the Dockerfile), so a file change is an update = rebuild",
    },
    undetermined: [],
    source:
        "pulumi-docker v5.1.0 provider/provider.go: Diff never replaces; Update = dockerBuild (build, push unless skipPush); Delete is a no-op (image and tags stay); with skipPush the ID is imageName and repoDigest is the local image ID (provider/image.go dockerBuild)",
    sources: {
        build: IMAGE_UPDATE,
        imageName: IMAGE_UPDATE,
        skipPush: IMAGE_UPDATE,
        buildOnPreview: IMAGE_UPDATE,
        "registry.server": IMAGE_UPDATE,
        "registry.username": IMAGE_REGISTRY_AUTH,
        "registry.password": IMAGE_REGISTRY_AUTH,
    },
};

const KW_IMAGE = "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_image.go schema";

export const dockerRemoteImage: ResourceRules = {
    token: "docker:index/remoteImage:RemoteImage",
    deleteBeforeReplace: false,
    replaceOn: ["name", "pullTriggers", "triggers", "platform", "build"],
    updateInPlace: ["keepLocally", "forceRemove"],
    noEffect: [],
    conditional: { keepLocally: "read by the delete: true leaves the image on the host" },
    undetermined: [],
    source: `${KW_IMAGE}: name, pull_triggers, triggers, platform, build ForceNew; keep_locally and force_remove Optional only (used by resourceDockerImageDelete)`,
    sources: { name: KW_IMAGE, pullTriggers: KW_IMAGE, triggers: KW_IMAGE, platform: KW_IMAGE, build: KW_IMAGE, keepLocally: KW_IMAGE, forceRemove: KW_IMAGE },
};
