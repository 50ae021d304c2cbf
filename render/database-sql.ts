// SQL that gives each app its own database and login role, run by psql as the superuser.
// Idempotent: safe to run on every `pulumi up`. Passwords come from the environment
// (\getenv), never from the SQL text, so this text holds no secret.
import { databaseName, roleName, SHARED_DATABASE } from "../config/naming";
import { APP_GROUP_ROLE, appGroupRoleSql } from "./database/pooler";

/** Names are validated upstream (config/schema.ts); assert again since they go into SQL. */
function ident(name: string): string {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe SQL identifier ${JSON.stringify(name)}`);
    return name;
}

/** Environment variable the app's password is read from. */
export const ROLE_PASSWORD_ENV = "PLATFORM_ROLE_PASSWORD";

/** Cluster-wide least privilege: app roles may not connect to the maintenance databases. */
export function baselineSql(): string {
    return `\\set ON_ERROR_STOP on
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;
`;
}

export function appDatabaseSql(app: string): string {
    const role = ident(roleName(app));
    const db = ident(databaseName(app));
    return `\\set ON_ERROR_STOP on
\\getenv role_password ${ROLE_PASSWORD_ENV}
SELECT 'CREATE ROLE ${role} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}')\\gexec
ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 50 PASSWORD :'role_password';
SELECT 'CREATE DATABASE ${db} OWNER ${role}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${db}')\\gexec
ALTER DATABASE ${db} OWNER TO ${role};
-- Least privilege: nobody but the owner (and superusers) may connect.
REVOKE ALL ON DATABASE ${db} FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role};
-- The pooler lets in members of the apps' group only (render/database/pooler.ts).
${appGroupRoleSql()}GRANT ${APP_GROUP_ROLE} TO ${role};
\\c ${db}
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO ${role};
`;
}

/**
 * The seed's shared_db for cross-application data: owned by the superuser; listed app roles
 * may connect and create objects, every other app role is refused.
 */
export function sharedDatabaseSql(grants: readonly string[], allApps: readonly string[]): string {
    const db = ident(SHARED_DATABASE);
    const granted = grants.map((g) => ident(roleName(g)));
    const refused = allApps.map((a) => ident(roleName(a))).filter((r) => !granted.includes(r));
    const lines = [
        "\\set ON_ERROR_STOP on",
        `SELECT 'CREATE DATABASE ${db}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${db}')\\gexec`,
        `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
        // Roles of apps not created yet are skipped: their app's own SQL runs first.
        ...granted.map((r) => `SELECT 'GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${r}' WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}')\\gexec`),
        ...refused.map((r) => `SELECT 'REVOKE ALL ON DATABASE ${db} FROM ${r}' WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}')\\gexec`),
        `\\c ${db}`,
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
        ...granted.map((r) => `SELECT 'GRANT USAGE, CREATE ON SCHEMA public TO ${r}' WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}')\\gexec`),
        ...refused.map((r) => `SELECT 'REVOKE ALL ON SCHEMA public FROM ${r}' WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}')\\gexec`),
    ];
    return lines.join("\n") + "\n";
}

/**
 * The backup role of a PostgreSQL standing in for the managed database (tests): it logs in and
 * reads every database (pg_read_all_data), nothing else; its password from the environment.
 */
export function backupRoleSql(role: string, databases: readonly string[]): string {
    const r = ident(role);
    return [
        "\\set ON_ERROR_STOP on",
        `\\getenv role_password ${ROLE_PASSWORD_ENV}`,
        `SELECT 'CREATE ROLE ${r} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}')\\gexec`,
        `ALTER ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 3 PASSWORD :'role_password';`,
        `GRANT pg_read_all_data TO ${r};`,
        ...databases.map((d) => `GRANT CONNECT ON DATABASE ${ident(d)} TO ${r};`),
    ].join("\n") + "\n";
}

/** On removal of an app the data stays; its role just stops logging in. */
export function retireAppSql(app: string): string {
    const role = ident(roleName(app));
    return `SELECT 'ALTER ROLE ${role} NOLOGIN' WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}')\\gexec\n`;
}
