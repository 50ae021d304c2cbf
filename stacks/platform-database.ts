// Where one server's apps find their database: the PostgreSQL container, the managed database
// through this server's client of it, or both while moving onto it (database.managed.phase).
import * as pulumi from "@pulumi/pulumi";
import type { Host } from "../components/host";
import type { Networks } from "../components/networks";
import { Database } from "../components/database";
import { DatabaseClient } from "../components/database-client";
import type { ManagedConnection } from "../components/app";
import type { ManagedDatabaseRefs as ManagedDatabase } from "../components/managed-database";
import type { ManagedClient } from "../render/backup/managed-client";
import { SHARED_DATABASE, databaseName } from "../config/naming";
import type { PlatformConfig } from "../config/schema";
import type { PlatformArgs, PlatformSecrets, ServerRole } from "./platform";
import { pgbackrestConf, usesRepoHost } from "../render/backup/pgbackrest";
import { postgresSideConf } from "../render/backup/pgbackrest-host";
import { buildImageScript, derivedImage, dockerfile } from "../render/backup/postgres-image";
import { PgBackRestHost } from "../components/pgbackrest-host";

const FIRST_SERVER: ServerRole = { index: 0 };

/** What every part of one server's build reads: config, host, role, and where its database is. */
export interface Site {
    readonly cfg: PlatformConfig;
    readonly host: Host;
    readonly role: ServerRole;
    readonly opts: pulumi.ComponentResourceOptions;
    /** The first server: it runs the fleet's jobs (the nightly dump, the move onto the managed database). */
    readonly first: boolean;
    /** database.managed.phase, with the managed database. */
    readonly phase?: PlatformConfig["database"]["managed"]["phase"];
    /** The PostgreSQL container runs here. */
    readonly keepContainer: boolean;
    /** The managed database, once apps use it. */
    readonly onManaged?: ManagedDatabase;
    /** Apps with a database. */
    readonly withDatabase: readonly string[];
}

/**
 * Moving onto the managed database (database.managed.phase): the first server keeps its PostgreSQL
 * container until the move is done, and apps use the instance once switched.
 */
export function siteOf(args: PlatformArgs): Site {
    const { cfg, host } = args;
    const role = args.role ?? FIRST_SERVER;
    const first = role.index === 0;
    const phase = role.managed ? cfg.database.managed.phase : undefined;
    return {
        cfg,
        host,
        role,
        opts: { parent: args.parent },
        first,
        phase,
        keepContainer: !role.managed || (phase !== "done" && first),
        onManaged: role.managed && phase !== "copying" ? role.managed : undefined,
        withDatabase: cfg.apps.filter((a) => a.database).map((a) => a.name),
    };
}

/** The apps' databases: the PostgreSQL container, or this server's client of the managed database, or both during the move. */
export interface DatabaseSide {
    readonly database?: Database;
    readonly databaseClient?: DatabaseClient;
    /** PostgreSQL accepts connections, or the client's certificate (and logins) are on the server. */
    readonly ready: pulumi.Resource;
}

/**
 * pgbackrest.conf (secret) when backups.pitr is on without the bucket: repo1 in PostgreSQL's own
 * container, the passphrase in its file.
 */
function pitrOf(cfg: PlatformConfig, secrets: PlatformSecrets) {
    if (!cfg.backups.pitr.enabled) return undefined;
    if (!secrets.pitrCipherPass) throw new Error("backups.pitr.enabled needs the secret backupCipherPass");
    const conf = secrets.pitrCipherPass.apply((cipherPass) => pgbackrestConf(cfg.backups, { cipherPass }));
    return { backups: cfg.backups, conf: pulumi.secret(conf) };
}

/**
 * With the bucket: the repository host (components/pgbackrest-host.ts) holds the repositories and
 * the secrets; PostgreSQL's file names it and holds nothing secret. Both run the derived image.
 */
function repoHostOf(site: Site, networks: Networks, secrets: PlatformSecrets) {
    const { cfg, host } = site;
    if (!secrets.pitrCipherPass) throw new Error("backups.pitr.enabled needs the secret backupCipherPass");
    const image = derivedImage(cfg.images.postgres);
    const built = host.runScript("postgres-pgbackrest-image", { create: buildImageScript(cfg.images.postgres), stdin: dockerfile() }, site.opts);
    const repoHost = new PgBackRestHost(
        "pgbackrest",
        { host, backups: cfg.backups, image, built, databaseNetwork: networks.database, cipherPass: secrets.pitrCipherPass, keepData: cfg.target === "scaleway" },
        site.opts,
    );
    const side = { image, built, tlsFolder: repoHost.postgresTlsFolder, tls: repoHost.tls };
    return { repoHost, pitr: { backups: cfg.backups, conf: pulumi.output(postgresSideConf(cfg.backups)), repoHost: side } };
}

function postgresContainer(site: Site, networks: Networks, secrets: PlatformSecrets): Database {
    const { cfg, host } = site;
    const withHost = usesRepoHost(cfg.backups) ? repoHostOf(site, networks, secrets) : undefined;
    const pitr = withHost?.pitr ?? pitrOf(cfg, secrets);
    const database = new Database(
        "database",
        {
            host,
            image: cfg.images.postgres,
            memoryMb: cfg.database.memoryMb,
            network: networks.database,
            appNetworks: networks.appDatabases,
            apps: site.withDatabase,
            sharedDb: cfg.database.sharedDb,
            sharedDbGrants: cfg.database.sharedDbGrants,
            keepData: cfg.target === "scaleway",
            ...(pitr ? { pitr } : {}),
            poolerBaseImage: cfg.images.pgbouncer,
        },
        site.opts,
    );
    withHost?.repoHost.start(database.container, database.ready, database.pitrRepoVolume!);
    return database;
}

function managedDatabaseClient(site: Site, managed: ManagedDatabase): DatabaseClient {
    const { cfg, first, phase } = site;
    const m = cfg.database.managed;
    const migrating = first && phase !== "done";
    const command = { image: cfg.images.postgres, apps: site.withDatabase, sharedDb: cfg.database.sharedDb, sharedDbGrants: cfg.database.sharedDbGrants, sslMode: m.sslMode };
    return new DatabaseClient(
        "database-client",
        {
            host: site.host,
            caCertificate: managed.caCertificate,
            endpoint: managed.endpoint,
            backup: first && cfg.backups.enabled ? { password: managed.backupPassword, sslMode: m.sslMode, ready: managed.backupReady } : undefined,
            migration: migrating ? { ...migrationLogins(cfg, managed), command } : undefined,
            sharedDb: cfg.database.sharedDb,
        },
        site.opts,
    );
}

export function databaseSide(site: Site, networks: Networks, secrets: PlatformSecrets = {}): DatabaseSide {
    const database = site.keepContainer ? postgresContainer(site, networks, secrets) : undefined;
    const databaseClient = site.role.managed ? managedDatabaseClient(site, site.role.managed) : undefined;
    return { database, databaseClient, ready: database?.ready ?? databaseClient!.ready };
}

/** Each app's database: its login on the managed database once apps use it, else its role in the container. */
export function appDatabase(site: Site, db: DatabaseSide, appIndex: number) {
    const app = site.cfg.apps[appIndex];
    if (!app.database) return undefined;
    const managed = site.onManaged;
    if (!managed) return { password: db.database!.appPasswords[app.name], provisioned: db.database!.appProvisioned[app.name], attached: db.database!.appAttached[app.name] };
    const login = managed.apps[app.name];
    return { password: login.password, provisioned: login.ready, attached: db.databaseClient!.ready, managed: managedConnection(site.cfg, managed, db.databaseClient!, appIndex) };
}

/** The managed database's client settings for the dump and the status report, once apps use it. */
export function managedClient(site: Site): ManagedClient | undefined {
    if (!site.onManaged) return undefined;
    const databases = [...site.withDatabase.map(databaseName), ...(site.cfg.database.sharedDb ? [SHARED_DATABASE] : [])];
    return { image: site.cfg.images.postgres, databases };
}

/** Each app's connection to the managed database, through this server's copy of its certificate. */
function managedConnection(cfg: PlatformConfig, managed: ManagedDatabase, client: DatabaseClient, appIndex: number): ManagedConnection {
    const app = cfg.apps[appIndex];
    const m = managed.apps[app.name];
    const replicas = managed.readEndpoints;
    return {
        user: m.user,
        database: m.database,
        endpoint: managed.endpoint,
        // Apps that read from a replica are spread over the replicas.
        readEndpoint: app.readReplica && replicas.length ? replicas[appIndex % replicas.length] : undefined,
        sslMode: cfg.database.managed.sslMode,
        caFile: client.caFile,
    };
}

/** The logins the move onto the managed database restores with: each app's own, and the admin's (shared_db). */
function migrationLogins(cfg: PlatformConfig, managed: ManagedDatabase) {
    return { admin: managed.admin, apps: cfg.apps.filter((a) => a.database).map((a) => ({ database: managed.apps[a.name].database, user: managed.apps[a.name].user, password: managed.apps[a.name].password })) };
}
