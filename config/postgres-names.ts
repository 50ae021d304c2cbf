// What PostgreSQL 15 makes of names the platform derives from config: an app's login role (its
// name with hyphens as underscores) goes unquoted into CREATE/ALTER ROLE and GRANT, and the data
// volume holds PostgreSQL 15's on-disk format, which another major version cannot open.
import { roleName } from "./naming";

/** PostgreSQL 15's reserved key words (pg_get_keywords() catcode R): a syntax error as a role name. */
export const RESERVED_KEY_WORDS = [
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check", "collate",
    "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time", "current_timestamp",
    "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for",
    "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into", "lateral", "leading", "limit",
    "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
    "returning", "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique",
    "user", "using", "variadic", "when", "where", "window", "with",
];
/** Role names PostgreSQL keeps for itself beyond the key words. */
export const RESERVED_ROLE_NAMES = ["public", "none"];

/** Why an app name cannot be a PostgreSQL role, or undefined when it can. */
export function roleNameProblem(app: string): string | undefined {
    const role = roleName(app);
    if (role.startsWith("pg_"))
        return `becomes the role ${role}: PostgreSQL reserves names starting pg_ for its predefined roles (pg_monitor, pg_write_server_files, ...); choose a name not starting pg-`;
    if (RESERVED_KEY_WORDS.includes(role)) return `becomes the role ${role}, a reserved SQL key word that breaks the database's SQL; choose another name (e.g. ${app}-app)`;
    if (RESERVED_ROLE_NAMES.includes(role)) return `becomes the role ${role}, a name PostgreSQL reserves; choose another name (e.g. ${app}-app)`;
    return undefined;
}

export const POSTGRES_MAJOR = 15;
export const POSTGRES_UPGRADE_RUNBOOK = "docs/runbooks/upgrade-postgres.md";

/** The tag of an image reference (what follows the last ":" of the last path segment). */
function tagOf(image: string): string | undefined {
    const last = image.split("@")[0].split("/").pop() ?? "";
    const colon = last.indexOf(":");
    return colon < 0 ? undefined : last.slice(colon + 1);
}

/**
 * Why an image is not recognisably PostgreSQL 15, or undefined. The tag decides: 15, 15.8,
 * 15-alpine, 15.8-bookworm, optionally pinned by digest (postgres:15@sha256:...).
 */
export function postgresImageProblem(image: string): string | undefined {
    const tag = tagOf(image);
    if (tag !== undefined && new RegExp(`^${POSTGRES_MAJOR}(\\.[0-9]+)*(-[a-z0-9][a-z0-9._-]*)?$`).test(tag)) return undefined;
    const seen = tag === undefined ? "has no tag that names the version (a digest alone does not say which)" : `is tagged ${tag}, not PostgreSQL ${POSTGRES_MAJOR}`;
    return `${seen}; use postgres:${POSTGRES_MAJOR} (or ${POSTGRES_MAJOR}.x, ${POSTGRES_MAJOR}-alpine, postgres:${POSTGRES_MAJOR}@sha256:...); upgrading PostgreSQL's major version needs a dump and restore: see ${POSTGRES_UPGRADE_RUNBOOK}`;
}
