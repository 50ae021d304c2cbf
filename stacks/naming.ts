// Names derived from an app's name: one place, so containers, networks, databases and routes agree.
import type { AppConfig, PlatformConfig } from "./schema";

export const CORE_NETWORK = "mhylle-network";
export const DATABASE_NETWORK = "mhylle-database";
export const NGINX_CONTAINER = "mhylle-nginx";
export const POSTGRES_CONTAINER = "mhylle-postgres";
export const WATCHTOWER_CONTAINER = "mhylle-watchtower";
export const POSTGRES_VOLUME = "postgres-data";
export const CERTBOT_VOLUME = "certbot-data";
/** The database hostname backends use, an alias on the database network. */
export const POSTGRES_HOST = "postgres";
export const SHARED_DATABASE = "shared_db";

export type ServiceKind = "frontend" | "backend";

export const appNames = (cfg: PlatformConfig) => cfg.apps.map((a) => a.name);
export const appNetwork = (app: string) => `${app}-network`;
export const databaseName = (app: string) => `${app.replace(/-/g, "_")}_db`;
export const roleName = (app: string) => app.replace(/-/g, "_");
export const routePrefix = (app: AppConfig) => app.routePrefix ?? `/${app.name}`;
export const apiPrefix = (app: AppConfig) => `/api/${app.name}`;
/** Base of the container names of an app's service; a release adds its slot. */
export const serviceBaseName = (app: string, service: ServiceKind) => `${app}-${service}`;

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
