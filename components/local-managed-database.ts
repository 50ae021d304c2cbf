// The managed database's stand-in on the local target (tests only): an existing PostgreSQL 15 with
// TLS, elsewhere than the servers, that the program provisions as Scaleway's would be: per app a
// database and a login role reaching only it, shared_db with its grants, a backup role that reads.
// Apps reach it exactly as they reach Scaleway's (DATABASE_URL with TLS checked against its CA).
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Host } from "./host";
import type { ManagedApp, ManagedDatabaseRefs } from "./managed-database";
import { BACKUP_USER, DatabaseEndpoint } from "../render/managed-database";
import { ExternalPostgres, externalPsqlScript } from "../render/database-scripts";
import { appDatabaseSql, backupRoleSql, sharedDatabaseSql } from "../render/database-sql";
import { SHARED_DATABASE, databaseName, roleName } from "../config/naming";

export interface LocalManagedDatabaseArgs {
    /** Where the provisioning runs (this machine). */
    readonly host: Host;
    readonly server: ExternalPostgres;
    readonly adminPassword: pulumi.Output<string>;
    readonly apps: readonly string[];
    readonly sharedDb: boolean;
    readonly sharedDbGrants: readonly string[];
}

export class LocalManagedDatabase extends pulumi.ComponentResource implements ManagedDatabaseRefs {
    readonly endpoint: pulumi.Output<DatabaseEndpoint>;
    readonly readEndpoints: pulumi.Output<DatabaseEndpoint>[] = [];
    readonly caCertificate: pulumi.Output<string>;
    readonly apps: Record<string, ManagedApp> = {};
    readonly backupPassword: pulumi.Output<string>;
    readonly backupReady: pulumi.Resource[] = [];
    readonly admin: { readonly user: string; readonly password: pulumi.Output<string> };

    constructor(name: string, args: LocalManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:LocalManagedDatabase", name, {}, opts);
        const pg = args.server;
        this.admin = { user: pg.adminUser, password: pulumi.secret(args.adminPassword) };
        this.endpoint = pulumi.output({ host: pg.host, port: pg.port });
        this.caCertificate = pulumi.output(fs.readFileSync(pg.caFile, "utf8"));
        const password = (key: string) => new random.RandomPassword(`${name}-${key}-password`, { length: 32, special: false }, { parent: this }).result;
        const run = (key: string, sql: string, rolePassword?: pulumi.Output<string>, dependsOn: pulumi.Resource[] = []) =>
            args.host.runScript(
                `${name}-${key}`,
                { create: externalPsqlScript(sql, pg, !!rolePassword), stdin: pulumi.interpolate`${args.adminPassword}\n${rolePassword ?? ""}\n`, quiet: true },
                { parent: this, dependsOn },
            );
        for (const app of args.apps) {
            const pw = pulumi.secret(password(app));
            this.apps[app] = { user: roleName(app), database: databaseName(app), password: pw, ready: run(app, appDatabaseSql(app), pw) };
        }
        const appsReady = Object.values(this.apps).map((a) => a.ready);
        const shared = args.sharedDb ? [run("shared-db", sharedDatabaseSql(args.sharedDbGrants, args.apps), undefined, appsReady)] : [];
        this.backupPassword = pulumi.secret(password("backup"));
        const readable = [...args.apps.map(databaseName), ...(args.sharedDb ? [SHARED_DATABASE] : [])];
        this.backupReady.push(run("backup-role", backupRoleSql(BACKUP_USER, readable), this.backupPassword, [...appsReady, ...shared]));
        this.registerOutputs({});
    }
}
