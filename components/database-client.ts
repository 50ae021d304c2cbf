// A server's side of the managed database: the instance's certificate (apps and the dump check the
// server against it) and, on the server that runs the nightly dump, the backup user's connection
// as a private env file; during the move onto it, the migrate-database command and its logins.
// Nothing of PostgreSQL runs on the server itself.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "./host";
import { script, shq } from "../render/shell";
import { writeSecretFileScript } from "../render/secret-file";
import { MIGRATION_LOGINS_FILE, MigrationInput, migrateDatabaseCommand, migrationLoginsFile } from "../render/migrate/migrate";
import { productionTargets } from "../render/backup/layout";
import type { BinCommand } from "../render/schedule";
import { BACKUP_ENV_FILE, DatabaseEndpoint, SERVER_CA_FILE, SslMode, backupEnvFile, installCaScript } from "../render/managed-database";

export interface DatabaseClientArgs {
    readonly host: Host;
    readonly caCertificate: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<DatabaseEndpoint>;
    /** On the server that runs the nightly dump: the backup user's login and what makes it usable. */
    readonly backup?: {
        readonly password: pulumi.Output<string>;
        readonly sslMode: SslMode;
        readonly ready: readonly pulumi.Resource[];
    };
    /** During the move onto the managed database (first server): the logins migrate-database restores with. */
    readonly migration?: {
        readonly admin: { readonly user: string; readonly password: pulumi.Output<string> };
        readonly apps: readonly { readonly database: string; readonly user: string; readonly password: pulumi.Output<string> }[];
        /** What migrate-database moves, and with which client image and sslmode. */
        readonly command: MigrationInput;
    };
    /** shared_db exists (its restore uses the admin's login). */
    readonly sharedDb?: boolean;
}

export class DatabaseClient extends pulumi.ComponentResource {
    /** The certificate (and the backup login) are on the server. */
    readonly ready: pulumi.Resource;
    readonly caFile: string;
    /** migrate-database during the move, for the platform's Scheduler. */
    readonly commands: readonly BinCommand[];

    constructor(name: string, args: DatabaseClientArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:DatabaseClient", args.host.name(name), {}, opts);
        const root = args.host.root;
        this.caFile = `${root}/${SERVER_CA_FILE}`;
        this.ready = args.host.runScript(
            `${name}-ca`,
            { create: installCaScript(root), delete: script(`rm -f ${shq(this.caFile)}`), stdin: pulumi.all([args.endpoint, args.caCertificate]).apply(([at, ca]) => `${at.host} ${at.port}\n${ca}`) },
            { parent: this },
        );
        const b = args.backup;
        if (b) {
            const file = `${root}/${BACKUP_ENV_FILE}`;
            this.ready = args.host.runScript(
                `${name}-backup-login`,
                {
                    create: writeSecretFileScript(file),
                    delete: script(`rm -f ${shq(file)}`),
                    stdin: pulumi.secret(pulumi.all([b.password, args.endpoint]).apply(([pw, at]) => backupEnvFile(pw, at, b.sslMode))),
                    quiet: true,
                },
                { parent: this, dependsOn: [this.ready, ...b.ready] },
            );
        }
        const m = args.migration;
        this.commands = m ? [migrateDatabaseCommand(productionTargets(root), m.command)] : [];
        if (m) {
            const file = `${root}/${MIGRATION_LOGINS_FILE}`;
            const lines = pulumi.all([m.admin.password, ...m.apps.map((a) => a.password)]).apply(([admin, ...passwords]) =>
                migrationLoginsFile(m.apps.map((a, i) => ({ database: a.database, user: a.user, password: passwords[i] })), { user: m.admin.user, password: admin }, !!args.sharedDb),
            );
            // Removed with the move's end (phase done): no admin login stays on a server.
            this.ready = args.host.runScript(
                `${name}-migration-logins`,
                { create: writeSecretFileScript(file), delete: script(`rm -f ${shq(file)}`), stdin: pulumi.secret(lines), quiet: true },
                { parent: this, dependsOn: [this.ready] },
            );
        }
        this.registerOutputs({});
    }
}
