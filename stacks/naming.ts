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
