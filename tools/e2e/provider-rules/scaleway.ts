// longer: data tables, one entry per property with the source it was read from; no logic.
// Scaleway (scaleway/terraform-provider-scaleway v2.79.0): what a change to each input does, with
// the source it was read from. First the one-server types (server, IP, security group, SSH key),
// then those of more than one server: the private network, the load balancer and the managed
// database (prose: docs/engine-notes.md section 9).
// Read in scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3), the upstream of
// pulumi-scaleway v1.53.0; these files are byte-identical at v2.81.0 (6018996908), so the rules
// hold for whichever of them @pulumiverse/scaleway 1.54.0 bridges. deleteBeforeReplace: true where
// our program sets the autonamed `name` (pulumi-terraform-bridge v3.129.2 (f3a8ea40de)
// pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace; pulumi-scaleway v1.53.0 (03c6cc857b)
// provider/resources.go SetAutonaming(255, "-")).
import type { ResourceRules } from "./types";

const SCW_SERVER_UPDATE =
    "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/server.go ResourceInstanceServerUpdate";
const SCW_ZONE = "scaleway v2.79.0 internal/locality/zonal/schemas.go Schema: ForceNew";
const SCW_PROJECT = "scaleway v2.79.0 internal/services/account/schemas.go ProjectIDSchema: ForceNew";
const SG_UPDATE = "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3) internal/services/instance/security_group.go ResourceInstanceSecurityGroupUpdate";

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

const TF = "scaleway/terraform-provider-scaleway v2.79.0 (bc63efddd3)";
const REGION = `${TF} internal/locality/regional/schemas.go Schema: ForceNew`;
const ZONE = `${TF} internal/locality/zonal/schemas.go Schema: ForceNew`;
const PROJECT = `${TF} internal/services/account/schemas.go ProjectIDSchema: ForceNew`;
const DBR = "our program sets name: delete-before-replace (bridge nameRequiresDeleteBeforeReplace)";

const VPC = `${TF} internal/services/vpc/vpc.go`;
export const scalewayVpc: ResourceRules = {
    token: "scaleway:network/vpc:Vpc",
    deleteBeforeReplace: true,
    replaceOn: ["enableTransitivity", "projectId", "region"],
    updateInPlace: ["name", "tags", "enableRouting", "enableCustomRoutesPropagation"],
    noEffect: [],
    conditional: {
        enableRouting: "false->true EnableRouting; true->false fails the diff (CustomizeDiff: 'routing cannot be disabled')",
        enableCustomRoutesPropagation: "false->true EnableCustomRoutesPropagation; true->false is saved and changes nothing",
    },
    undetermined: [],
    source: `${VPC} (schema, ResourceVPCUpdate, ResourceVPCDelete: one DeleteVPC call, no retry); ${DBR}`,
    sources: {
        enableTransitivity: `${VPC} schema: ForceNew`, projectId: PROJECT, region: REGION,
        name: `${VPC} ResourceVPCUpdate`, tags: `${VPC} ResourceVPCUpdate`,
        enableRouting: `${VPC} ResourceVPCUpdate + CustomizeDiff`, enableCustomRoutesPropagation: `${VPC} ResourceVPCUpdate`,
    },
};

const PN = `${TF} internal/services/vpc/private_network.go`;
export const scalewayPrivateNetwork: ResourceRules = {
    token: "scaleway:network/privateNetwork:PrivateNetwork",
    deleteBeforeReplace: true,
    replaceOn: ["vpcId", "ipv4Subnet", "ipv6Subnets", "projectId", "region"],
    updateInPlace: ["name", "tags", "enableDefaultRoutePropagation"],
    noEffect: ["isRegional", "zone"],
    conditional: { ipv4Subnet: "replaces when its subnet changes (ipv4_subnet.subnet ForceNew); unset, IPAM picks it (Computed)" },
    undetermined: [],
    source: `${PN} (schema, ResourceVPCPrivateNetworkUpdate: one UpdatePrivateNetwork with name, tags, route propagation; Delete retries DeletePrivateNetwork while the API answers 412, i.e. something is still attached, until the delete timeout); ${DBR}`,
    sources: {
        vpcId: `${PN} schema: ForceNew`, ipv4Subnet: `${PN} schema: ipv4_subnet.subnet ForceNew`, ipv6Subnets: `${PN} schema: ipv6_subnets.subnet ForceNew`,
        projectId: PROJECT, region: REGION,
        name: `${PN} ResourceVPCPrivateNetworkUpdate`, tags: `${PN} ResourceVPCPrivateNetworkUpdate`, enableDefaultRoutePropagation: `${PN} ResourceVPCPrivateNetworkUpdate`,
        isRegional: `${PN}: deprecated, not read by Create or Update`, zone: `${PN}: deprecated, not ForceNew, not read by Update`,
    },
};

const LBIP = `${TF} internal/services/lb/ip.go`;
export const scalewayLbIp: ResourceRules = {
    token: "scaleway:loadbalancers/ip:Ip",
    deleteBeforeReplace: false,
    replaceOn: ["isIpv6", "zone", "projectId"],
    updateInPlace: ["reverse", "tags"],
    noEffect: [],
    conditional: {},
    undetermined: [],
    source: `${LBIP}: Delete waits for the attached LB, then ReleaseIP (the address goes back to Scaleway: DNS would point at nothing); timeouts 15 min (helpers_lb.go defaultLbLbTimeout)`,
    sources: { isIpv6: `${LBIP} schema: ForceNew`, zone: ZONE, projectId: PROJECT, reverse: `${LBIP} resourceLbIPUpdate`, tags: `${LBIP} resourceLbIPUpdate` },
};

const LBF = `${TF} internal/services/lb/lb.go`;
const LB_UPDATE = `${LBF} resourceLbUpdate`;
export const scalewayLoadBalancer: ResourceRules = {
    token: "scaleway:loadbalancers/loadBalancer:LoadBalancer",
    deleteBeforeReplace: true,
    replaceOn: ["assignFlexibleIp", "zone", "projectId", "ipIds"],
    updateInPlace: ["name", "tags", "sslCompatibilityLevel", "type", "privateNetworks", "assignFlexibleIpv6"],
    noEffect: ["description", "releaseIp", "externalPrivateNetworks"],
    conditional: {
        ipIds: "removing an ID replaces the LB (customizeDiffLBIPIDs diff.ForceNew); adding an IPv6 to one IPv4 attaches it in place",
        type: "in place: MigrateLB to the new offer, after waiting for the LB's instances",
        privateNetworks: "in place: DetachPrivateNetwork of the ones gone, attach the new ones, wait for them",
        assignFlexibleIpv6: "false->true creates and attaches an IPv6; true->false replaces (customizeDiffAssignFlexibleIPv6)",
        description: "sent by neither CreateLB nor UpdateLB",
        releaseIp: "deprecated: Delete always calls DeleteLB with ReleaseIP false",
    },
    undetermined: [],
    source: `${LBF}: Create waits for the LB and its private networks (waitForLB, 15 min); Delete detaches the private networks, DeleteLB(ReleaseIP: false): the flexible IP survives; ${DBR}`,
    sources: {
        assignFlexibleIp: `${LBF} schema: ForceNew`, zone: ZONE, projectId: PROJECT, ipIds: `${TF} internal/services/lb/helpers_lb.go customizeDiffLBIPIDs`,
        name: LB_UPDATE, tags: LB_UPDATE, sslCompatibilityLevel: LB_UPDATE, type: LB_UPDATE, privateNetworks: LB_UPDATE,
        assignFlexibleIpv6: `${LB_UPDATE} + helpers_lb.go customizeDiffAssignFlexibleIPv6`,
        description: `${LBF} resourceLbCreate/resourceLbUpdate`, releaseIp: `${LBF} resourceLbDelete`, externalPrivateNetworks: `${LB_UPDATE}: only decides whether privateNetworks is managed`,
    },
};

const BE = `${TF} internal/services/lb/backend.go`;
const BE_UPDATE = `${BE} resourceLbBackendUpdate: UpdateBackend + UpdateHealthCheck + SetBackendServers, every time`;
const BACKEND_IN_PLACE = [
    "name", "forwardProtocol", "forwardPort", "forwardPortAlgorithm", "stickySessions", "stickySessionsCookieName", "serverIps",
    "proxyProtocol", "sendProxyV2", "timeoutServer", "timeoutConnect", "timeoutTunnel", "timeoutQueue", "onMarkedDownAction",
    "failoverHost", "sslBridging", "ignoreSslServerVerify", "maxConnections", "redispatchAttemptCount", "maxRetries",
    "healthCheckPort", "healthCheckMaxRetries", "healthCheckTimeout", "healthCheckDelay", "healthCheckTcp", "healthCheckHttp",
    "healthCheckHttps", "healthCheckTransientDelay", "healthCheckSendProxy",
] as const;
export const scalewayLbBackend: ResourceRules = {
    token: "scaleway:loadbalancers/backend:Backend",
    deleteBeforeReplace: true,
    replaceOn: ["lbId"],
    updateInPlace: [...BACKEND_IN_PLACE],
    noEffect: [],
    conditional: {
        serverIps: "one SetBackendServers call with the whole list (the servers that stay are not removed and re-added by the provider)",
        forwardPort: "also moves the health check's port when healthCheckPort is not set",
    },
    undetermined: ["what SetBackendServers does to connections to the servers that stay (API side, not in the provider)"],
    source: `${BE}: lb_id is the only ForceNew; every update sends all settings, the whole health check and the whole server list, between two waitForLB; Delete = DeleteBackend between two waitForLB; ${DBR}`,
    sources: { lbId: `${BE} schema: ForceNew`, ...Object.fromEntries(BACKEND_IN_PLACE.map((k) => [k, BE_UPDATE])) },
};

const FE = `${TF} internal/services/lb/frontend.go`;
const FE_UPDATE = `${FE} resourceLbFrontendUpdate (UpdateFrontend)`;
export const scalewayLbFrontend: ResourceRules = {
    token: "scaleway:loadbalancers/frontend:Frontend",
    deleteBeforeReplace: true,
    replaceOn: ["lbId", "backendId"],
    updateInPlace: ["name", "inboundPort", "timeoutClient", "certificateIds", "enableHttp3", "connectionRateLimit", "enableAccessLogs", "acls"],
    noEffect: ["externalAcls"],
    conditional: {
        backendId: "a new backend (e.g. a replaced one) replaces the frontend, delete first: its port is closed until the new one exists",
        acls: "reconciled by index: UpdateACL where different, CreateACL for new, DeleteACL for the rest",
        externalAcls: "only read by Create (skip the ACL step)",
    },
    undetermined: [],
    source: `${FE}: Create = CreateFrontend, then the update (ACLs); Delete = DeleteFrontend, waitForLB; ${DBR}`,
    sources: {
        lbId: `${FE} schema: ForceNew`, backendId: `${FE} schema: ForceNew`,
        name: FE_UPDATE, inboundPort: FE_UPDATE, timeoutClient: FE_UPDATE, certificateIds: FE_UPDATE, enableHttp3: FE_UPDATE,
        connectionRateLimit: FE_UPDATE, enableAccessLogs: FE_UPDATE, acls: `${FE} resourceLbFrontendUpdateACL`, externalAcls: `${FE} resourceLbFrontendCreate`,
    },
};

const CERT = `${TF} internal/services/lb/certificate.go`;
export const scalewayLbCertificate: ResourceRules = {
    token: "scaleway:loadbalancers/certificate:Certificate",
    deleteBeforeReplace: false,
    autonamed: "name",
    replaceOn: ["lbId", "letsencrypt", "customCertificate"],
    updateInPlace: ["name"],
    noEffect: [],
    conditional: { letsencrypt: "any change (commonName, subjectAlternativeNames: a new alias) replaces the certificate" },
    undetermined: ["whether the API deletes a certificate a frontend still lists (only reached when name is set: delete-before-replace)"],
    source: `${CERT}: Create waits for the certificate (waitForCertificate -> scaleway-sdk-go f8787d0d api/lb/v1/lb_utils.go waitForLBCertificate: "ready" and "error" are both terminal) and succeeds either way (setCertificateState: status "error" is only a warning), so the program gates the frontend on the status output; Update only renames; Delete waits, DeleteCertificate; the program leaves name to autonaming, so a replacement creates the new certificate first`,
    sources: {
        lbId: `${CERT} schema: ForceNew`, letsencrypt: `${CERT} schema: ForceNew (and common_name, subject_alternative_name)`,
        customCertificate: `${CERT} schema: ForceNew`, name: `${CERT} resourceLbCertificateUpdate`,
    },
};

const RDB = `${TF} internal/services/rdb/instance.go`;
const UPGRADE = `${RDB} ResourceRdbInstanceUpdate: UpgradeInstance`;
const RDB_UPDATE = `${RDB} ResourceRdbInstanceUpdate: UpdateInstance`;
export const scalewayDatabaseInstance: ResourceRules = {
    token: "scaleway:databases/instance:Instance",
    deleteBeforeReplace: true,
    replaceOn: ["userName", "snapshotId", "initSettings", "region", "projectId"],
    updateInPlace: [
        "nodeType", "isHaCluster", "engine", "volumeType", "volumeSizeInGb", "encryptionAtRest", "name", "disableBackup",
        "backupScheduleFrequency", "backupScheduleRetention", "backupSameRegion", "tags", "logsPolicy", "settings", "password",
        "passwordWoVersion", "privateNetwork", "loadBalancer",
    ],
    noEffect: ["passwordWo", "privateIps"],
    conditional: {
        nodeType: "UpgradeInstance(NodeType) once the instance is ready; refused on a full block volume unless the size grows too",
        isHaCluster: "UpgradeInstance(EnableHa), in place (not a replacement)",
        engine: "a major upgrade (MajorUpgradeWorkflow): Scaleway makes a NEW instance (new ID), the provider deletes the old one; fails unless the version is in upgradable_versions",
        volumeType: "UpgradeInstance(VolumeType), in place",
        volumeSizeInGb: "grow only: a smaller size fails the update; a multiple of 5 (checked before any call); not with lssd",
        encryptionAtRest: "false->true in place; true->false fails the update",
        privateNetwork: "the private endpoint is deleted, then created again: its address can change",
        password: "UpdateUser of userName",
        passwordWo: "write-only: read only when passwordWoVersion changes",
    },
    undetermined: ["privateIps (Optional+Computed; not read by Create or Update)"],
    source: `${RDB}: Create waits until ready (waitForRDBInstance) before the backup schedule; timeouts 30 min (helpers.go defaultInstanceTimeout); Delete = DeleteInstance after waiting: the instance and its data are gone (backups are not read here); ${DBR}`,
    sources: {
        userName: `${RDB} schema: ForceNew`, snapshotId: `${RDB} schema: ForceNew`, initSettings: `${RDB} schema: ForceNew`, region: REGION, projectId: PROJECT,
        nodeType: UPGRADE, isHaCluster: UPGRADE, engine: `${UPGRADE} MajorUpgradeWorkflow + DeleteInstance(old)`, volumeType: UPGRADE, volumeSizeInGb: UPGRADE,
        encryptionAtRest: UPGRADE, name: RDB_UPDATE, disableBackup: RDB_UPDATE, backupScheduleFrequency: RDB_UPDATE, backupScheduleRetention: RDB_UPDATE,
        backupSameRegion: RDB_UPDATE, tags: RDB_UPDATE, logsPolicy: RDB_UPDATE, settings: `${RDB} ResourceRdbInstanceUpdate: SetInstanceSettings`,
        password: `${RDB} ResourceRdbInstanceUpdate: UpdateUser`, passwordWoVersion: `${RDB} ResourceRdbInstanceUpdate: UpdateUser`,
        privateNetwork: `${RDB} ResourceRdbInstanceUpdate: DeleteEndpoint + CreateEndpoint`, loadBalancer: `${RDB} ResourceRdbInstanceUpdate: DeleteEndpoint + CreateEndpoint`,
        passwordWo: `${RDB} ResourceRdbInstanceUpdate`, privateIps: `${RDB}: set by Read only`,
    },
};

const USER = `${TF} internal/services/rdb/user.go`;
export const scalewayDatabaseUser: ResourceRules = {
    token: "scaleway:databases/user:User",
    deleteBeforeReplace: true,
    replaceOn: ["instanceId", "name", "region"],
    updateInPlace: ["password", "passwordWoVersion", "isAdmin"],
    noEffect: ["passwordWo"],
    conditional: { passwordWo: "write-only: read only when passwordWoVersion changes" },
    undetermined: [],
    source: `${USER}: Create/Update/Delete wait for the instance first and retry while it is busy; Delete = DeleteUser; ${DBR}`,
    sources: {
        instanceId: `${USER} schema: ForceNew`, name: `${USER} schema: ForceNew`, region: REGION,
        password: `${USER} ResourceUserUpdate`, passwordWoVersion: `${USER} ResourceUserUpdate`, isAdmin: `${USER} ResourceUserUpdate`, passwordWo: `${USER} ResourceUserUpdate`,
    },
};

const DB = `${TF} internal/services/rdb/database.go`;
export const scalewayDatabase: ResourceRules = {
    token: "scaleway:databases/database:Database",
    deleteBeforeReplace: true,
    replaceOn: ["instanceId", "name", "region"],
    updateInPlace: [],
    noEffect: [],
    conditional: {},
    undetermined: [],
    source: `${DB}: no Update; Delete = DeleteDatabase: the database and its data are dropped; ${DBR}`,
    sources: { instanceId: `${DB} schema: ForceNew`, name: `${DB} schema: ForceNew`, region: REGION },
};

const PRIV = `${TF} internal/services/rdb/privilege.go`;
export const scalewayDatabasePrivilege: ResourceRules = {
    token: "scaleway:databases/privilege:Privilege",
    deleteBeforeReplace: false,
    replaceOn: ["instanceId", "region"],
    updateInPlace: ["permission"],
    noEffect: ["userName", "databaseName"],
    conditional: {
        userName: "not ForceNew, but Update sets the permission on the user and database named in the resource's ID (the old ones): saved, not applied",
        databaseName: "as userName",
    },
    undetermined: [],
    source: `${PRIV}: Update = SetPrivilege; Delete = SetPrivilege(permission none)`,
    sources: {
        instanceId: `${PRIV} schema: ForceNew`, region: REGION, permission: `${PRIV} ResourceRdbPrivilegeUpdate`,
        userName: `${PRIV} ResourceRdbPrivilegeUpdate (ResourceRdbUserPrivilegeParseID(d.Id()))`, databaseName: `${PRIV} ResourceRdbPrivilegeUpdate (ResourceRdbUserPrivilegeParseID(d.Id()))`,
    },
};

const RR = `${TF} internal/services/rdb/read_replica.go`;
export const scalewayReadReplica: ResourceRules = {
    token: "scaleway:databases/readReplica:ReadReplica",
    deleteBeforeReplace: false,
    replaceOn: ["sameZone", "region"],
    updateInPlace: ["privateNetwork", "directAccess"],
    noEffect: ["instanceId"],
    conditional: {
        instanceId: "not ForceNew and not read by Update: a replica cannot be moved to another instance by a diff",
        privateNetwork: "the endpoint is deleted, then created again (CreateReadReplicaEndpoint): its address can change",
    },
    undetermined: [],
    source: `${RR}: Create waits for the replica; Delete = DeleteReadReplica between two waits; timeouts 30 min`,
    sources: {
        sameZone: `${RR} schema: ForceNew`, region: REGION, privateNetwork: `${RR} ResourceRdbReadReplicaUpdate`,
        directAccess: `${RR} ResourceRdbReadReplicaUpdate`, instanceId: `${RR} schema + ResourceRdbReadReplicaUpdate`,
    },
};

/** The Scaleway rule sets of more than one server, for index.ts's table. */
export const scalewayMultiServerRules: readonly ResourceRules[] = [
    scalewayVpc, scalewayPrivateNetwork, scalewayLbIp, scalewayLoadBalancer, scalewayLbBackend, scalewayLbFrontend,
    scalewayLbCertificate, scalewayDatabaseInstance, scalewayDatabaseUser, scalewayDatabase, scalewayDatabasePrivilege,
    scalewayReadReplica,
];
