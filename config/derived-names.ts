// Every name the platform derives from an app's name, by namespace, and the core names in the same
// namespaces: two owners of one name would share a network, a database, a file or a resource. One
// generic check instead of special cases (app1-database would make app1's database network).
import type { PlatformConfig } from "./schema";
import {
    COLORS, CORE_NETWORK, DATABASE_NETWORK, NGINX_CONTAINER, POSTGRES_CONTAINER, POSTGRES_HOST, SHARED_DATABASE,
    WATCHTOWER_CONTAINER, appDatabaseNetwork, appNetwork, databaseName, roleName, serviceBaseName, slotAlias,
} from "./naming";

/** Namespaces in which a name means one thing; PostgreSQL's roles and databases share one (psql connects to the database named like the role). */
export type Namespace = "Docker network" | "container or DNS name" | "PostgreSQL role or database" | "server file" | "Pulumi resource";

export interface DerivedName {
    readonly space: Namespace;
    readonly name: string;
    /** What it is, in the user's words: "app app1's database network". */
    readonly what: string;
}

const SERVICES = ["frontend", "backend"] as const;

/** The names derived from one app's name (render/ and components/ build theirs from config/naming.ts). */
export function appDerivedNames(app: string): DerivedName[] {
    const of = (what: string) => `app ${app}'s ${what}`;
    const names: DerivedName[] = [
        { space: "Docker network", name: appNetwork(app), what: of("network") },
        { space: "Docker network", name: appDatabaseNetwork(app), what: of("database network") },
        { space: "PostgreSQL role or database", name: databaseName(app), what: of("database") },
        { space: "PostgreSQL role or database", name: roleName(app), what: of("database role") },
        { space: "Pulumi resource", name: `${app}-database`, what: of("database command") },
        { space: "Pulumi resource", name: `${app}-database-attach`, what: of("database attach command") },
        { space: "Pulumi resource", name: `${app}-db-password`, what: of("database password") },
        { space: "Pulumi resource", name: `${app}-proxy-attach`, what: of("proxy attach command") },
        { space: "server file", name: `nginx/conf.d/${app}.conf`, what: of("upstreams") },
        { space: "server file", name: `nginx/routes/${app}.conf`, what: of("routes") },
    ];
    for (const s of SERVICES) {
        names.push(
            { space: "container or DNS name", name: serviceBaseName(app, s), what: of(`${s} containers' base name`) },
            ...COLORS.map((c): DerivedName => ({ space: "container or DNS name", name: slotAlias(app, s, c), what: of(`${s} ${c} slot`) })),
            { space: "Pulumi resource", name: `${app}-${s}-release`, what: of(`${s} release`) },
            { space: "Pulumi resource", name: `${app}-${s}-image`, what: of(`${s} image build`) },
            { space: "server file", name: `releases/${app}-${s}`, what: of(`${s} release folder`) },
            { space: "server file", name: `secrets/release-${app}-${s}.env`, what: of(`${s} env file`) },
            { space: "server file", name: `state/release-${app}-${s}.pending`, what: of(`${s} pending release`) },
        );
    }
    return names;
}

/** The platform's own names in those namespaces (tests/adversarial/values-round-two.test.ts checks the render layer's agree). */
export const CORE_NAMES: readonly DerivedName[] = [
    ...[CORE_NETWORK, DATABASE_NETWORK, "mhylle-monitoring"].map((name): DerivedName => ({ space: "Docker network", name, what: "the platform's network" })),
    ...[NGINX_CONTAINER, POSTGRES_CONTAINER, WATCHTOWER_CONTAINER, POSTGRES_HOST, "mhylle-nginx-exporter", "mhylle-postgres-exporter"].map(
        (name): DerivedName => ({ space: "container or DNS name", name, what: "a platform container" }),
    ),
    ...["postgres", SHARED_DATABASE, "template0", "template1", "platform_monitor"].map(
        (name): DerivedName => ({ space: "PostgreSQL role or database", name, what: "a platform role or database" }),
    ),
];

/** Each app name that derives a name another app (or the platform) already has, with both sides. */
export function derivedNameProblems(cfg: PlatformConfig, add: (field: string, problem: string, got: unknown) => void): void {
    const owners = new Map<string, DerivedName & { app?: string }>();
    for (const n of CORE_NAMES) owners.set(`${n.space}\0${n.name}`, n);
    cfg.apps.forEach((app, i) => {
        // A repeated name is reported as a duplicate (config/rules.ts), not as a clash with itself.
        if (cfg.apps.findIndex((a) => a.name === app.name) < i) return;
        const clashes = new Set<string>();
        for (const n of appDerivedNames(app.name)) {
            const key = `${n.space}\0${n.name}`;
            const owner = owners.get(key);
            if (owner && owner.app !== app.name) clashes.add(`its ${n.what.replace(/^app \S+'s /, "")} ${n.name} is ${owner.what}`);
            else owners.set(key, { ...n, app: app.name });
        }
        if (clashes.size) add(`apps[${i}].name`, `makes names another owner has (${[...clashes].join("; ")}): they would share it; choose another name`, app.name);
    });
}
