// Names derived from an app's name: one place, so containers, networks, databases and routes agree.
import type { AppConfig, PlatformConfig } from "./schema";

export const CORE_NETWORK = "mhylle-network";
export const DATABASE_NETWORK = "mhylle-database";
/** nginx's network identity (components/proxy.ts): the holder that publishes the ports; its DNS name reaches nginx. */
export const NGINX_CONTAINER = "mhylle-nginx";
/** The running nginx: this, then its spec hash; found by NGINX_ROLE, never by name. */
export const NGINX_SERVER = "mhylle-nginx-server";
/** PLATFORM_LABEL values: an nginx that serves, and the holder of its network namespace. */
export const NGINX_ROLE = "proxy";
export const NGINX_HOLDER_ROLE = "proxy-network";
export const POSTGRES_CONTAINER = "mhylle-postgres";
export const WATCHTOWER_CONTAINER = "mhylle-watchtower";
/** PgBouncer, between the apps and PostgreSQL (render/database/pooler.ts). */
export const POOLER_CONTAINER = "mhylle-pgbouncer";
export const POSTGRES_VOLUME = "postgres-data";
export const CERTBOT_VOLUME = "certbot-data";
/** The database hostname backends use, an alias on the database network. */
export const POSTGRES_HOST = "postgres";
export const SHARED_DATABASE = "shared_db";

/** Label on everything the platform creates in Docker: its role (e.g. proxy, app:app1:backend). */
export const PLATFORM_LABEL = "com.mhylle.platform";
/** Hash of a core container's replace-forcing settings (see components/core-container.ts). */
export const SPEC_LABEL = "com.mhylle.platform.spec";
/** On an app service's container: the slot (blue/green) it holds, and its release identity. */
export const SLOT_LABEL = "com.mhylle.platform.slot";
export const IDENTITY_LABEL = "com.mhylle.platform.identity";
export const WATCHTOWER_ENABLE = "com.centurylinklabs.watchtower.enable";
export const WATCHTOWER_SCOPE = "com.centurylinklabs.watchtower.scope";

export type ServiceKind = "frontend" | "backend";
/** The two slots of a blue-green service: nginx routes to one, a release starts the other. */
export type Color = "blue" | "green";
export const COLORS: readonly Color[] = ["blue", "green"];

/** Added to the resource names of server k (1-based): none for the first, so one server keeps its names. */
export const serverSuffix = (k: number) => (k === 1 ? "" : `-s${k}`);

export const appNames = (cfg: PlatformConfig) => cfg.apps.map((a) => a.name);
export const appNetwork = (app: string) => `${app}-network`;
/** Internal network of one app's backend and PostgreSQL: no app reaches another app's containers. */
export const appDatabaseNetwork = (app: string) => `${app}-database-network`;
export const databaseName = (app: string) => `${app.replace(/-/g, "_")}_db`;
export const roleName = (app: string) => app.replace(/-/g, "_");
export const routePrefix = (app: AppConfig) => app.routePrefix ?? `/${app.name}`;
export const apiPrefix = (app: AppConfig) => `/api/${app.name}`;
/** Base of the container names of an app's service; a release adds its identity. */
export const serviceBaseName = (app: string, service: ServiceKind) => `${app}-${service}`;
/** Tag of an image built from source on the local target (its ID, not this name, is what is released). */
export const localImageName = (app: string, service: ServiceKind) => `platform-local/${app}-${service}:built`;
/** DNS name (network alias on the app network) of the container in a service's slot. */
export const slotAlias = (app: string, service: ServiceKind, color: Color) => `${app}-${service}-${color}`;

/** Registry host of an image reference; Docker Hub when the first segment is not a host. */
export function registryOf(image: string): string {
    const first = image.split("/")[0];
    return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/** The reference without tag or digest: ghcr.io/mhylle/app1-backend. */
export function repositoryOf(image: string): string {
    const noDigest = image.split("@")[0];
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * pgBackRest's off-site repository (repo2): a bucket of its own beside the dumps' (components/pitr-store.ts),
 * named from it. The dumps' lifecycle expires every object by age, which would take archive.info.
 */
export const PITR_BUCKET_SUFFIX = "-pitr";
export const pitrBucketOf = (dumpsBucket: string) => `${dumpsBucket}${PITR_BUCKET_SUFFIX}`;
