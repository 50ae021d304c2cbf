// The shape of stack config and its defaults, composed from one block per section (config/schema/).
// Cross-field rules (unique names, nested prefixes, memory budget) live in rules.ts; the schema only
// says what each field may hold. Every field's `.describe()` and default feed the config reference
// in docs/config.md (`npm run docs`, tools/docs.ts).
import { z } from "zod";
import { MAX_COMMON_NAME } from "./field-checks";
import { checked } from "./schema/fields";
import { HOSTNAME } from "./schema/patterns";
import { acmeSchema } from "./schema/acme";
import { loadBalancerSchema, serverSchema } from "./schema/server";
import { autoUpdaterSchema, imagesSchema, registriesSchema } from "./schema/images";
import { proxySchema } from "./schema/proxy";
import { databaseSchema } from "./schema/database";
import { backupsSchema } from "./schema/backups";
import { monitoringSchema } from "./schema/monitoring";
import { localSchema } from "./schema/local";
import { appSchema } from "./schema/app";

export * from "./schema/patterns";
export { appSchema, serviceSchema } from "./schema/app";

const domain = checked(z.string().regex(HOSTNAME, "must be a lower-case DNS name such as mhylle.com"), (d) =>
    d.length > MAX_COMMON_NAME
        ? `is longer than ${MAX_COMMON_NAME} characters, the most a certificate's common name holds; use a shorter primary domain and put this one in aliases`
        : undefined,
);

export const configSchema = z.strictObject({
    target: z.enum(["local", "scaleway"]).default("local").describe("Where the platform runs: `local` (this machine's Docker) or `scaleway` (a server over SSH)."),
    domain: domain
        .default("localhost.localdomain")
        .describe("The primary domain, whose server block serves every app: at most 64 characters (a certificate's common name); required as your real domain on scaleway."),
    aliases: z
        .array(z.string().regex(HOSTNAME, "must be a lower-case DNS name"))
        .default([])
        .describe("Extra names (e.g. `www.mhylle.com`) redirected to the primary domain; with the domain at most 100 names (one certificate)."),
    acme: acmeSchema,
    server: serverSchema,
    loadBalancer: loadBalancerSchema,
    images: imagesSchema,
    proxy: proxySchema,
    database: databaseSchema,
    autoUpdater: autoUpdaterSchema,
    backups: backupsSchema,
    monitoring: monitoringSchema,
    registries: registriesSchema,
    local: localSchema,
    apps: z.array(appSchema).default([]).describe("The app catalogue: one entry per app, each with the fields below."),
});

export type PlatformConfig = z.infer<typeof configSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type ServiceConfig = AppConfig["frontend"];
export type BackupsConfig = PlatformConfig["backups"];
export type MonitoringConfig = PlatformConfig["monitoring"];
export type LoadBalancerConfig = PlatformConfig["loadBalancer"];
export type LbPhase = LoadBalancerConfig["phase"];
export type ManagedDatabaseConfig = PlatformConfig["database"]["managed"];
