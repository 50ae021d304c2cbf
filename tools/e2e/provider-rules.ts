// longer: data tables, one entry per property with the source it was read from; no logic.
// What a change to each input does, per resource type, as read from the providers' source
// (no CLI or plugin here to try it). Prose, error texts and engine rules: docs/engine-notes.md.
// Names are Pulumi's camelCase inputs as in the installed .d.ts files; a dotted name is a nested
// path whose rule differs from its parent's. Data only.

import { scalewayMultiServerRules } from "./provider-rules-scaleway";

export interface ResourceRules {
    /** The Pulumi type token. */
    readonly token: string;
    /** Whether a replacement deletes the old resource before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    /**
     * The input the provider names automatically when the program leaves it out: set explicitly, a
     * replacement deletes first (the bridge's nameRequiresDeleteBeforeReplace); left out, the new
     * resource gets a new name and is created before the old one is deleted.
     */
    readonly autonamed?: string;
    /** Inputs whose change replaces the resource. */
    readonly replaceOn: readonly string[];
    /** Inputs whose change updates the real thing in place. */
    readonly updateInPlace: readonly string[];
    /** Inputs whose change shows a diff and is saved to state, but changes nothing real. */
    readonly noEffect: readonly string[];
    /** Inputs whose rule depends on something else; the value says on what. */
    readonly conditional: Readonly<Record<string, string>>;
    /** Inputs whose behaviour the source read did not settle. */
    readonly undetermined: readonly string[];
    /** Where the resource-level facts (and deleteBeforeReplace) come from. */
    readonly source: string;
    /** Where each input's rule comes from. */
    readonly sources: Readonly<Record<string, string>>;
}

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
const SCW_SERVER_UPDATE =
    "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go ResourceInstanceServerUpdate";
const SCW_ZONE = "scaleway v2.79.0 internal/locality/zonal/schemas.go Schema: ForceNew";
const SCW_PROJECT = "scaleway v2.79.0 internal/services/account/schemas.go ProjectIDSchema: ForceNew";
const NETWORK_FORCENEW = "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_network.go schema: ForceNew";
const VOLUME_FORCENEW = "kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71), internal/provider/resource_docker_volume.go schema: ForceNew";
const IMAGE_UPDATE = "pulumi-docker v5.1.0 provider/provider.go Diff/diffUpdates + Update";
const IMAGE_REGISTRY_AUTH = "pulumi-docker v5.1.0 provider/provider.go diffUpdates: only registry.server counts";
const LOCAL_UPDATE = "pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/local/commandController.go Update";
const REMOTE_UPDATE = "pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/remote/commandController.go Update";
const TRIGGERS = "pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/common/inputs.go: provider:\"replaceOnChanges\"";
const PASSWORD_REPLACE = "hashicorp/terraform-provider-random v3.9.0 (f8d869dc98) internal/provider/resource_password.go schema PlanModifiers RequiresReplace";
const SG_UPDATE = "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/security_group.go ResourceInstanceSecurityGroupUpdate";

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

export const localCommand: ResourceRules = {
    token: "command:local:Command",
    deleteBeforeReplace: false,
    replaceOn: [
        "triggers",
    ],
    updateInPlace: [
        "create", "update", "delete", "stdin", "logging", "interpreter", "dir", "environment", "assetPaths",
        "archivePaths", "addPreviousOutputInEnv",
    ],
    noEffect: [],
    conditional: {
        triggers: "create-before-delete: the new create runs, the old resource's delete runs at the end of the deployment",
        delete: "a change to the delete script alone still re-runs update (or create)",
    },
    undetermined: [],
    source:
        "pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/common/inputs.go (triggers replaceOnChanges); local/commandController.go Update runs update, else create; pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; no DeleteBeforeReplace set",
    sources: {
        triggers: TRIGGERS,
        create: LOCAL_UPDATE,
        update: LOCAL_UPDATE,
        delete: LOCAL_UPDATE,
        stdin: LOCAL_UPDATE,
        logging: LOCAL_UPDATE,
        interpreter: LOCAL_UPDATE,
        dir: LOCAL_UPDATE,
        environment: LOCAL_UPDATE,
        assetPaths: LOCAL_UPDATE,
        archivePaths: LOCAL_UPDATE,
        addPreviousOutputInEnv: LOCAL_UPDATE,
    },
};

export const remoteCommand: ResourceRules = {
    token: "command:remote:Command",
    deleteBeforeReplace: false,
    replaceOn: [
        "triggers",
    ],
    updateInPlace: [
        "connection", "create", "update", "delete", "stdin", "logging", "environment",
        "addPreviousOutputInEnv",
    ],
    noEffect: [],
    conditional: {
        triggers: "create-before-delete: the new create runs, the old resource's delete (old script, old connection) runs at the end of the deployment",
        connection: "any change (the private key text included) re-runs update (or create)",
        delete: "a change to the delete script alone still re-runs update (or create)",
    },
    undetermined: [],
    source:
        "pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/common/inputs.go, remote/commandController.go, remote/commandOutputs.go run(); pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; no DeleteBeforeReplace set",
    sources: {
        triggers: TRIGGERS,
        connection: REMOTE_UPDATE,
        create: REMOTE_UPDATE,
        update: REMOTE_UPDATE,
        delete: REMOTE_UPDATE,
        stdin: REMOTE_UPDATE,
        logging: REMOTE_UPDATE,
        environment: REMOTE_UPDATE,
        addPreviousOutputInEnv: REMOTE_UPDATE,
    },
};

export const randomPassword: ResourceRules = {
    token: "random:index/randomPassword:RandomPassword",
    deleteBeforeReplace: false,
    replaceOn: [
        "keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number",
        "numeric", "overrideSpecial", "special", "upper",
    ],
    updateInPlace: [],
    noEffect: [],
    conditional: {
        keepers: "RequiresReplaceIfValuesNotNull",
        overrideSpecial: "replaces unless the change is \"\" -> null",
    },
    undetermined: [],
    source:
        "hashicorp/terraform-provider-random v3.9.0 (f8d869dc98) internal/provider/resource_password.go: every attribute RequiresReplace; Update only copies the plan; pulumi-random v4.21.1 sets no DeleteBeforeReplace",
    sources: {
        keepers: PASSWORD_REPLACE,
        length: PASSWORD_REPLACE,
        lower: PASSWORD_REPLACE,
        minLower: PASSWORD_REPLACE,
        minNumeric: PASSWORD_REPLACE,
        minSpecial: PASSWORD_REPLACE,
        minUpper: PASSWORD_REPLACE,
        number: PASSWORD_REPLACE,
        numeric: PASSWORD_REPLACE,
        overrideSpecial: PASSWORD_REPLACE,
        special: PASSWORD_REPLACE,
        upper: PASSWORD_REPLACE,
    },
};

export const scalewayServer: ResourceRules = {
    token: "scaleway:instance/server:Server",
    deleteBeforeReplace: false,
    replaceOn: [
        "image", "rootVolume.volumeType", "zone", "projectId",
    ],
    updateInPlace: [
        "name", "tags", "securityGroupId", "ipId", "ipIds", "enableDynamicIp", "protected",
        "additionalVolumeIds", "placementGroupId", "bootType", "filesystems", "privateNetworks", "state",
        "type", "userData", "rootVolume", "rootVolume.sizeInGb", "rootVolume.sbsIops",
        "adminPasswordEncryptionSshKeyId",
    ],
    noEffect: [
        "cloudInit", "bootscriptId", "publicIps", "privateIps", "replaceOnTypeChange",
    ],
    conditional: {
        image: "replaces only when the server's image really differs (UUID, or marketplace label of the current image)",
        type: "in place: stop, change type, start (downtime); replaces when replaceOnTypeChange is true; an impossible migration fails the diff",
        "rootVolume.sizeInGb": "replaces when the root volume is l_ssd; else resized in place",
        userData: "in place (SetAllServerUserData); cloud-init does not run again",
        placementGroupId: "setting one requires state: stopped",
        name: "an explicitly set name would make replacements delete-before-replace (bridge autonaming)",
    },
    undetermined: [
        "ipId during a create-before-delete replacement (can the new server take the IP the old one holds?)",
    ],
    source:
        "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go (schema, CustomizeDiff customDiffInstanceServerImage/Type/RootVolumeSize, ResourceInstanceServerUpdate); DBR false because our program sets no name",
    sources: {
        image: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go customDiffInstanceServerImage",
        "rootVolume.volumeType": "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go serverSchema: ForceNew",
        zone: "scaleway v2.79.0 internal/locality/zonal/schemas.go Schema: ForceNew",
        projectId: "scaleway v2.79.0 internal/services/account/schemas.go ProjectIDSchema: ForceNew",
        name: SCW_SERVER_UPDATE,
        tags: SCW_SERVER_UPDATE,
        securityGroupId: SCW_SERVER_UPDATE,
        ipId: SCW_SERVER_UPDATE,
        ipIds: SCW_SERVER_UPDATE,
        enableDynamicIp: SCW_SERVER_UPDATE,
        protected: SCW_SERVER_UPDATE,
        additionalVolumeIds: SCW_SERVER_UPDATE,
        placementGroupId: SCW_SERVER_UPDATE,
        bootType: SCW_SERVER_UPDATE,
        filesystems: SCW_SERVER_UPDATE,
        privateNetworks: SCW_SERVER_UPDATE,
        state: SCW_SERVER_UPDATE,
        type: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go customDiffInstanceServerType + ResourceInstanceServerMigrate",
        userData: SCW_SERVER_UPDATE,
        rootVolume: SCW_SERVER_UPDATE,
        "rootVolume.sizeInGb": "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go customDiffInstanceRootVolumeSize + instanceServerVolumesUpdate",
        "rootVolume.sbsIops": SCW_SERVER_UPDATE,
        adminPasswordEncryptionSshKeyId: SCW_SERVER_UPDATE,
        cloudInit: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go: read only by ResourceInstanceServerCreate",
        bootscriptId: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go: deprecated, not handled in Update",
        publicIps: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go: not handled in Update",
        privateIps: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go: not handled in Update",
        replaceOnTypeChange: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go: only read by customDiffInstanceServerType",
    },
};

export const scalewayIp: ResourceRules = {
    token: "scaleway:instance/ip:Ip",
    deleteBeforeReplace: false,
    replaceOn: [
        "type", "zone", "projectId",
    ],
    updateInPlace: [
        "tags",
    ],
    noEffect: [],
    conditional: {},
    undetermined: [],
    source:
        "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/ip.go (schema, ResourceInstanceIPUpdate)",
    sources: {
        type: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/ip.go: ForceNew",
        zone: SCW_ZONE,
        projectId: SCW_PROJECT,
        tags: "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/ip.go ResourceInstanceIPUpdate",
    },
};

export const scalewaySecurityGroup: ResourceRules = {
    token: "scaleway:instance/securityGroup:SecurityGroup",
    deleteBeforeReplace: false,
    replaceOn: [
        "zone", "projectId",
    ],
    updateInPlace: [
        "name", "description", "stateful", "inboundDefaultPolicy", "outboundDefaultPolicy", "inboundRules",
        "outboundRules", "externalRules", "enableDefaultSecurity", "tags",
    ],
    noEffect: [],
    conditional: {
        inboundRules: "the whole rule set is replaced at once (SetSecurityGroupRules), in place",
    },
    undetermined: [],
    source:
        "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/security_group.go ResourceInstanceSecurityGroupUpdate + updateSecurityGroupeRules",
    sources: {
        name: SG_UPDATE,
        description: SG_UPDATE,
        stateful: SG_UPDATE,
        inboundDefaultPolicy: SG_UPDATE,
        outboundDefaultPolicy: SG_UPDATE,
        inboundRules: SG_UPDATE,
        outboundRules: SG_UPDATE,
        externalRules: SG_UPDATE,
        enableDefaultSecurity: SG_UPDATE,
        tags: SG_UPDATE,
        zone: SCW_ZONE,
        projectId: SCW_PROJECT,
    },
};

export const scalewaySshKey: ResourceRules = {
    token: "scaleway:iam/sshKey:SshKey",
    deleteBeforeReplace: false,
    replaceOn: [
        "publicKey", "projectId",
    ],
    updateInPlace: [
        "name", "disabled",
    ],
    noEffect: [],
    conditional: {
        publicKey: "compared as parsed keys: the comment and a trailing newline are no change",
    },
    undetermined: [],
    source:
        "scaleway v2.79.0 internal/services/iam/ssh_key.go (schema ForceNew + DiffSuppressFunc, Update)",
    sources: {
        publicKey: "iam/ssh_key.go: ForceNew",
        projectId: SCW_PROJECT,
        name: "iam/ssh_key.go Update",
        disabled: "iam/ssh_key.go Update",
    },
};

/** Every rule set, keyed by type token. */
export const providerRules: Readonly<Record<string, ResourceRules>> = {
    "docker:index/container:Container": dockerContainer,
    "docker:index/network:Network": dockerNetwork,
    "docker:index/volume:Volume": dockerVolume,
    "docker:index/image:Image": dockerImage,
    "docker:index/remoteImage:RemoteImage": dockerRemoteImage,
    "command:local:Command": localCommand,
    "command:remote:Command": remoteCommand,
    "random:index/randomPassword:RandomPassword": randomPassword,
    "scaleway:instance/server:Server": scalewayServer,
    "scaleway:instance/ip:Ip": scalewayIp,
    "scaleway:instance/securityGroup:SecurityGroup": scalewaySecurityGroup,
    "scaleway:iam/sshKey:SshKey": scalewaySshKey,
    ...Object.fromEntries(scalewayMultiServerRules.map((r) => [r.token, r])),
};
