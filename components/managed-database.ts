// Scaleway's managed PostgreSQL 15 on the private network only (no public endpoint): per app a
// database, a user and a privilege on that database alone; shared_db with its grants; a backup user
// that may only read, for the platform's nightly dump; Scaleway's own backups on a schedule; read
// replicas on the private network. Apps reach it with TLS required (render/managed-database.ts).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as scaleway from "@pulumiverse/scaleway";
import type { ManagedDatabaseConfig } from "../config/schema";
import { SHARED_DATABASE, databaseName, roleName } from "../config/naming";
import { BACKUP_USER, DatabaseEndpoint, MANAGED_ADMIN_USER } from "../render/managed-database";

export interface ManagedDatabaseArgs {
    readonly config: ManagedDatabaseConfig;
    readonly region: string;
    readonly privateNetworkId: pulumi.Input<string>;
    /** Apps with a database (apps[].database). */
    readonly apps: readonly string[];
    readonly sharedDb: boolean;
    readonly sharedDbGrants: readonly string[];
}

/** Scaleway wants upper, lower, digit and special; these specials need no escaping in a URL, an env file or a shell word. */
const passwordArgs = { length: 32, special: true, overrideSpecial: "-_", minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2 };

export interface ManagedApp {
    readonly user: string;
    readonly database: string;
    readonly password: pulumi.Output<string>;
    /** The user, its database and its privilege exist. */
    readonly ready: pulumi.Resource;
}

/** What the servers need of a managed database: Scaleway's, or the stand-in tests use (local-managed-database.ts). */
export interface ManagedDatabaseRefs {
    readonly endpoint: pulumi.Output<DatabaseEndpoint>;
    readonly readEndpoints: readonly pulumi.Output<DatabaseEndpoint>[];
    readonly caCertificate: pulumi.Output<string>;
    readonly apps: Readonly<Record<string, ManagedApp>>;
    readonly backupPassword: pulumi.Output<string>;
    readonly backupReady: readonly pulumi.Resource[];
    /** The instance's admin login: only the move onto it uses it (shared_db's restore). */
    readonly admin: { readonly user: string; readonly password: pulumi.Output<string> };
}

/** The instance a user, database or replica belongs to. */
interface InstanceRef {
    readonly instanceId: pulumi.Output<string>;
    readonly region: string;
}

function endpointOf(pn: { ip?: string; port?: number } | undefined): DatabaseEndpoint {
    if (!pn?.ip) throw new Error("the managed database has no address on the private network");
    return { host: pn.ip, port: pn.port ?? 5432 };
}

export class ManagedDatabase extends pulumi.ComponentResource implements ManagedDatabaseRefs {
    readonly instance: scaleway.databases.Instance;
    /** The instance's address on the private network. */
    readonly endpoint: pulumi.Output<DatabaseEndpoint>;
    /** Each read replica's address on the private network. */
    readonly readEndpoints: pulumi.Output<DatabaseEndpoint>[] = [];
    /** The instance's TLS certificate (PEM): apps check the server against it. */
    readonly caCertificate: pulumi.Output<string>;
    readonly apps: Record<string, ManagedApp> = {};
    readonly backupPassword: pulumi.Output<string>;
    /** Everything the platform's dump needs: the backup user and its privileges. */
    readonly backupReady: pulumi.Resource[] = [];
    readonly admin: { readonly user: string; readonly password: pulumi.Output<string> };
    private readonly existing: readonly string[];

    constructor(name: string, args: ManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:ManagedDatabase", name, {}, opts);
        this.existing = args.config.existingDatabases;
        const admin = new random.RandomPassword(`${name}-admin-password`, passwordArgs, { parent: this });
        this.admin = { user: MANAGED_ADMIN_USER, password: pulumi.secret(admin.result) };
        this.instance = this.createInstance(name, args, admin.result);
        this.endpoint = this.instance.privateNetwork.apply(endpointOf);
        this.caCertificate = this.instance.certificate;
        const on = { instanceId: this.instance.id, region: args.region };
        const appDatabases: Record<string, scaleway.databases.Database> = {};
        for (const app of args.apps) [this.apps[app], appDatabases[app]] = this.appLogin(name, app, on);

        const backup = new random.RandomPassword(`${name}-backup-password`, passwordArgs, { parent: this });
        this.backupPassword = pulumi.secret(backup.result);
        const backupUser = new scaleway.databases.User(`${name}-backup-user`, { ...on, name: BACKUP_USER, password: backup.result, isAdmin: false }, { parent: this });
        const readable = (dbName: pulumi.Input<string>, key: string) =>
            this.backupReady.push(
                new scaleway.databases.Privilege(`${name}-backup-${key}-privilege`, { ...on, userName: backupUser.name, databaseName: dbName, permission: "readonly" }, { parent: this }),
            );
        // The Database's own output, not its name as text: the privilege then waits for the database
        // (SetPrivilege on a database not yet created fails; rdb/privilege.go retries only on 409).
        for (const app of args.apps) readable(appDatabases[app].name, app);
        if (args.sharedDb) readable(this.sharedDatabase(name, args, on).name, "shared");

        for (let i = 0; i < args.config.readReplicas; i++) {
            const replica = new scaleway.databases.ReadReplica(
                `${name}-replica-${i + 1}`,
                { ...on, privateNetwork: { privateNetworkId: args.privateNetworkId, enableIpam: true } },
                { parent: this },
            );
            this.readEndpoints.push(replica.privateNetwork.apply(endpointOf));
        }
        this.registerOutputs({ endpoint: this.endpoint });
    }

    private createInstance(name: string, args: ManagedDatabaseArgs, adminPassword: pulumi.Output<string>) {
        const c = args.config;
        return new scaleway.databases.Instance(
            name,
            {
                name: "mhylle-platform",
                region: args.region,
                nodeType: c.nodeType,
                engine: c.engine,
                isHaCluster: c.isHaCluster,
                userName: MANAGED_ADMIN_USER,
                password: adminPassword,
                // The private network only: without a loadBalancer block there is no public endpoint.
                privateNetwork: { pnId: args.privateNetworkId, enableIpam: true },
                disableBackup: false,
                backupScheduleFrequency: c.backup.frequencyHours,
                backupScheduleRetention: c.backup.retentionDays,
                backupSameRegion: true,
                encryptionAtRest: true,
                volumeType: c.volume.type,
                ...(c.volume.type === "lssd" ? {} : { volumeSizeInGb: c.volume.sizeGb }),
                tags: ["mhylle-platform"],
            },
            // The data lives here: a replacement (userName, init settings: docs/engine-notes.md 9) must be a decision, not a diff.
            { parent: this, protect: true, additionalSecretOutputs: ["password"] },
        );
    }

    /** An app's user and database, with a privilege on its own database only (shared_db below, when granted). */
    private appLogin(name: string, app: string, on: InstanceRef): [ManagedApp, scaleway.databases.Database] {
        const parent = { parent: this };
        const password = new random.RandomPassword(`${name}-${app}-password`, passwordArgs, parent);
        const user = new scaleway.databases.User(`${name}-${app}-user`, { instanceId: on.instanceId, name: roleName(app), password: password.result, isAdmin: false, region: on.region }, parent);
        // Removing an app keeps its data, as on one server (its role only loses login there).
        const db = new scaleway.databases.Database(
            `${name}-${app}-db`,
            { instanceId: on.instanceId, name: databaseName(app), region: on.region },
            { ...parent, retainOnDelete: true, ...this.adopt(databaseName(app)) },
        );
        const privilege = new scaleway.databases.Privilege(
            `${name}-${app}-privilege`,
            { instanceId: on.instanceId, userName: user.name, databaseName: db.name, permission: "all", region: on.region },
            parent,
        );
        return [{ user: roleName(app), database: databaseName(app), password: pulumi.secret(password.result), ready: privilege }, db];
    }

    /**
     * A retained database that already exists (database.managed.existingDatabases) is imported:
     * CreateDatabase on its name would retry on 409 for 30 minutes, then fail (rdb/database.go).
     * Once in state with that ID, the engine does not import it again (step_generator.go isImport).
     */
    private adopt(dbName: string): { import?: string } {
        const id = this.existing.find((x) => x.split("/")[2] === dbName);
        return id ? { import: id } : {};
    }

    /** The seed's grants: listed apps may use shared_db; every other app user has no privilege on it. */
    private sharedDatabase(name: string, args: ManagedDatabaseArgs, on: InstanceRef) {
        const shared = new scaleway.databases.Database(
            `${name}-shared-db`,
            { instanceId: on.instanceId, name: SHARED_DATABASE, region: on.region },
            { parent: this, retainOnDelete: true, ...this.adopt(SHARED_DATABASE) },
        );
        for (const grant of args.sharedDbGrants)
            new scaleway.databases.Privilege(
                `${name}-${grant}-shared-privilege`,
                { instanceId: on.instanceId, userName: roleName(grant), databaseName: shared.name, permission: "all", region: on.region },
                { parent: this, dependsOn: [this.apps[grant].ready] },
            );
        return shared;
    }
}
