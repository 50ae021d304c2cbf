// The shape of stack config and its defaults. Cross-field rules (unique names, nested
// prefixes, memory budget) live in rules.ts; this file only says what each field may hold.
import { z } from "zod";
import { CRONTAB_FIELDS, cronProblem, WATCHTOWER_FIELDS } from "./cron";
import { sshPublicKeyProblem } from "./ssh-key";
import { postgresImageProblem } from "./postgres-names";
import { dataDirProblem } from "./data-dir";
import { containerUserProblem, cspProblem, deployUserProblem, MAX_COMMON_NAME } from "./field-checks";
import { alertsSchema } from "./alerts-schema";

// Patterns that keep every value safe to put into nginx config, SQL, shell and Docker names.
export const APP_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const ROUTE_PREFIX = /^(\/[a-z0-9][a-z0-9._-]*)+$/;
export const HTTP_PATH = /^\/[A-Za-z0-9._~\/-]*$/;
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// An image reference with a tag, a digest, or both: [registry[:port]/]path[:tag][@sha256:hex].
export const IMAGE_REF =
    /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
// At most 7 digits: nginx refuses a size that overflows its offset type at `nginx -t`.
export const NGINX_SIZE = /^[0-9]{1,7}[kKmM]?$/;
/** Most app servers one stack runs (each is a backend of the load balancer). */
export const MAX_SERVERS = 10;
export const MAX_READ_REPLICAS = 3;
/** Scaleway's Load Balancer offers, smallest first. */
export const LB_TYPES = ["LB-S", "LB-GP-M", "LB-GP-L", "LB-GP-XL"] as const;
/** The managed database engine: PostgreSQL 15, as the container the platform runs. */
export const MANAGED_ENGINE = "PostgreSQL-15";
/** S3 bucket name rules (Scaleway Object Storage follows them). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Last path segment carries a tag, or the reference pins a digest. */
export const hasTagOrDigest = (ref: string) => ref.includes("@sha256:") || (ref.split("/").pop() ?? "").includes(":");
/** A string checked by a function that names what is wrong (undefined: fine). */
const checked = (schema: z.ZodString, problem: (value: string) => string | undefined) =>
    schema.superRefine((value, ctx) => {
        const message = problem(value);
        if (message) ctx.addIssue({ code: "custom", message });
    });
const crontab = (example: string) => checked(z.string(), (v) => cronProblem(v, CRONTAB_FIELDS, example)).default(example);
const cspValue = () => checked(z.string(), cspProblem);

const imageRef = (hint: string) =>
    z
        .string()
        .regex(IMAGE_REF, `must be an image reference such as ${hint}`)
        .refine(hasTagOrDigest, `needs a tag or a digest, e.g. ${hint}`);
// Core images are pinned to a major version so Watchtower only brings compatible updates.
const coreImage = (def: string) =>
    imageRef(def)
        .refine((ref) => !/:latest(@|$)/.test(ref), `must be pinned to a version, not :latest (e.g. ${def})`)
        .default(def);

const memoryMb = (def: number) => z.number().int().min(16).max(65536).default(def);
const port = (def: number) => z.number().int().min(1).max(65535).default(def);
const envMap = z.record(z.string().regex(ENV_KEY, "must be a shell-style variable name"), z.string()).default({});
/** A fraction of a percent with at most two decimals: the release script compares it in whole hundredths. */
const hundredths = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

/** Names a build argument may have (Dockerfile ARG names). */
export const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A folder of this repository (relative, no `..`), in characters safe in any language it reaches. */
export const BUILD_CONTEXT = /^(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

const buildSchema = z.strictObject({
    /** The build context: a folder of this repository holding the Dockerfile, e.g. demo/backend. */
    context: z.string().regex(BUILD_CONTEXT, "must be a folder of this repository such as demo/backend (relative, no ..)"),
    /** The Dockerfile, relative to the context. @default "Dockerfile" */
    dockerfile: z.string().regex(BUILD_CONTEXT, "must be a file in the build context such as Dockerfile").default("Dockerfile"),
    /** Build arguments (ARG), e.g. DEMO_VERSION. */
    args: z.record(z.string().regex(BUILD_ARG, "must be a build argument name such as DEMO_VERSION"), z.string().regex(/^[\x20-\x7e]*$/, "must be printable ASCII")).default({}),
});

export const serviceSchema = (defaults: { port: number; healthPath: string; memoryMb: number }) =>
    z.strictObject({
        /** Image reference with a tag or digest, e.g. ghcr.io/mhylle/app1-backend:1.4.0 (or `build`). */
        image: imageRef("ghcr.io/owner/name:1.0.0").optional(),
        /** Build the image from source on the target's Docker instead (local target): a Dockerfile's folder. */
        build: buildSchema.optional(),
        /** Port the container listens on. */
        port: port(defaults.port),
        /** Path answered with 2xx when the container is healthy. */
        healthPath: z.string().regex(HTTP_PATH, "must be an absolute URL path such as /health").default(defaults.healthPath),
        /** Plain, non-secret environment variables. */
        env: envMap,
        /** Hard memory limit in MiB. */
        memoryMb: memoryMb(defaults.memoryMb),
        /** uid[:gid] the container runs as; "" keeps the image's own user (which must not be root). */
        user: checked(z.string(), containerUserProblem).default("10001:10001"),
        /** Keep the route prefix when proxying (true) or strip it (false). */
        keepPrefix: z.boolean().default(true),
    });

export const appSchema = z.strictObject({
    /** Lower-case name: container, network, database and route names derive from it. */
    name: z.string().regex(APP_NAME, "must be lower-case letters and digits, words joined by single hyphens, starting with a letter"),
    /** Public path of the frontend. @default "/<name>" */
    routePrefix: z.string().regex(ROUTE_PREFIX, "must look like /app1 (lower-case, no trailing slash)").optional(),
    frontend: serviceSchema({ port: 8080, healthPath: "/", memoryMb: 128 }),
    backend: serviceSchema({ port: 3000, healthPath: "/health", memoryMb: 256 }),
    /** Give the app its own database and login role. */
    database: z.boolean().default(true),
    /** Let Watchtower replace this app's containers in place instead of blue-green releases. */
    watchtower: z.boolean().default(false),
    /** Also give the backend DATABASE_READ_URL, a read replica of its database (database.managed.readReplicas). */
    readReplica: z.boolean().default(false),
    proxy: z
        .strictObject({
            /** Content-Security-Policy for this app's responses. @default platform CSP */
            csp: cspValue().optional(),
            /** nginx client_max_body_size for the app's routes. */
            clientMaxBodySize: z.string().regex(NGINX_SIZE, "must be an nginx size such as 10m: at most 7 digits, then k or m").default("10m"),
            /** Seconds nginx waits for the backend to answer. */
            readTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
        })
        .prefault({}),
    release: z
        .strictObject({
            /** Seconds a new container gets to become healthy before the release fails. */
            healthTimeoutSeconds: z.number().int().min(5).max(1800).default(120),
            /** Seconds the old container is kept after the switch, watching the new one. */
            watchSeconds: z.number().int().min(0).max(3600).default(30),
            /** Percent of 5xx responses (at most two decimals) that rolls the release back during the watch. */
            max5xxPercent: z.number().min(0).max(100).refine(hundredths, "must have at most two decimals (e.g. 0.5 or 0.25)").default(1),
            /** Seconds of traffic the 5xx share is judged over, every second of the watch. */
            windowSeconds: z.number().int().min(1).max(600).default(10),
            /** A window with fewer responses than this is not judged for 5xx (too few to tell); health still is. */
            minRequests: z.number().int().min(1).max(100000).default(20),
            /** Seconds in-flight requests get to finish on the old container. */
            drainSeconds: z.number().int().min(0).max(600).default(10),
        })
        .prefault({}),
});

export const configSchema = z.strictObject({
    /** Where the platform runs: the local Docker engine or a Scaleway server over SSH. */
    target: z.enum(["local", "scaleway"]).default("local"),
    /** Primary domain; its server block serves every app. */
    domain: checked(z.string().regex(HOSTNAME, "must be a lower-case DNS name such as mhylle.com"), (d) =>
        d.length > MAX_COMMON_NAME
            ? `is longer than ${MAX_COMMON_NAME} characters, the most a certificate's common name holds; use a shorter primary domain and put this one in aliases`
            : undefined,
    ).default("localhost.localdomain"),
    /** Extra names (e.g. www.mhylle.com) redirected to the primary domain. */
    aliases: z.array(z.string().regex(HOSTNAME, "must be a lower-case DNS name")).default([]),
    acme: z
        .strictObject({
            /** Account email for Let's Encrypt. */
            email: z
                .email("must be an email address")
                .refine((e) => !e.startsWith("-"), "starts with -, which certbot would read as an option; use the address without it")
                .optional(),
            /** "production", "staging", or an ACME directory URL. */
            directory: z
                .string()
                .refine((d) => d === "production" || d === "staging" || /^https:\/\/[^\s'"\\]+$/.test(d), "must be production, staging or an https:// ACME directory URL")
                .default("staging"),
            /** Request real certificates (false: self-signed only). */
            enabled: z.boolean().default(false),
            /** The expiry check fails when a certificate has fewer days left than this. */
            warnDays: z.number().int().min(1).max(89).default(14),
        })
        .prefault({}),
    server: z
        .strictObject({
            zone: z.string().regex(/^[a-z]{2}-[a-z]{3}-[1-3]$/, "must be a Scaleway zone such as fr-par-1").default("fr-par-1"),
            /** Instance type; DEV1-M has 3 vCPUs and 4 GB. */
            type: z.string().regex(/^[A-Z0-9]+(-[A-Z0-9]+)+$/, "must be a Scaleway instance type such as DEV1-M").default("DEV1-M"),
            /** Memory of the instance type in MiB, used for the memory budget. */
            memoryMb: z.number().int().min(512).default(4096),
            image: z.string().default("ubuntu_noble"),
            rootVolumeGb: z.number().int().min(10).max(1000).default(40),
            /** Login user that runs Docker and the platform's commands. */
            deployUser: checked(z.string(), deployUserProblem).default("deploy"),
            /** OpenSSH public key installed for the deploy user (its wire format is checked). */
            sshPublicKey: checked(z.string(), sshPublicKeyProblem).optional(),
            /** CIDRs allowed to reach SSH (port 22): public addresses, at most a /16 (IPv4) or /48 (IPv6). */
            adminCidrs: z.array(z.string()).default([]),
            /** Allow adminCidrs wider than /16 or /48, up to the whole internet: an explicit opt-in. */
            sshOpenToInternet: z.boolean().default(false),
            /** Memory kept free for the OS and Docker, in MiB. */
            reservedMb: z.number().int().min(0).default(512),
            /** App servers: more than one puts them behind a Scaleway Load Balancer (loadBalancer) on a private network. */
            count: z.number().int().min(1).max(MAX_SERVERS).default(1),
        })
        .prefault({}),
    /** Scaleway's managed Load Balancer in front of the app servers (used when server.count > 1). */
    loadBalancer: z
        .strictObject({
            /** Load Balancer offer; LB-S is the smallest. */
            type: z.enum(LB_TYPES).default("LB-S"),
            /** Port nginx serves the load balancer on, on each server's private address (HTTP with the PROXY protocol). */
            backendPort: port(8080),
            /** The load balancer's Let's Encrypt certificate; false until DNS points at the load balancer (its port 80 then serves the site). */
            letsEncrypt: z.boolean().default(true),
            /** How fast a server that stops answering leaves the pool, and comes back (the provider's defaults are 60 s / 30 s). */
            healthCheck: z
                .strictObject({
                    /** Seconds between two checks of a server. */
                    delaySeconds: z.number().int().min(1).max(60).default(2),
                    /** Seconds a check may take; below delaySeconds. */
                    timeoutSeconds: z.number().int().min(1).max(30).default(1),
                    /** Failed checks in a row that take a server out of the pool. */
                    retries: z.number().int().min(1).max(10).default(2),
                })
                .prefault({}),
        })
        .prefault({}),
    /** Pinned core images (version-line tags: Watchtower updates within the line). */
    images: z
        .strictObject({
            // The line the tests run (local/nginx:1.30, tests/support/images/build-nginx.sh): move both together.
            nginx: coreImage("nginx:1.30"),
            // The data volume holds PostgreSQL 15's format: another major needs a dump and restore.
            postgres: coreImage("postgres:15").superRefine((image, ctx) => {
                const message = postgresImageProblem(image);
                if (message) ctx.addIssue({ code: "custom", message });
            }),
            watchtower: coreImage("nickfedor/watchtower:1"),
            certbot: coreImage("certbot/certbot:v3.3.0"),
        })
        .prefault({}),
    proxy: z
        .strictObject({
            memoryMb: memoryMb(128),
            /** Published HTTP port on the host. */
            httpPort: port(80),
            /** Published HTTPS port on the host. */
            httpsPort: port(443),
            /** Host address the ports are published on (127.0.0.1 keeps a local stack private). */
            bindAddress: z.union([z.ipv4(), z.ipv6()]).default("0.0.0.0"),
            /** Port of the internal status server (stub_status at /nginx_status); never published. */
            statusPort: port(8081),
            /** Default Content-Security-Policy. */
            csp: cspValue().default("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
        })
        .prefault({}),
    database: z
        .strictObject({
            memoryMb: memoryMb(768),
            /** Create the seed's shared_db for cross-application data. */
            sharedDb: z.boolean().default(true),
            /** Apps whose roles may use shared_db. */
            sharedDbGrants: z.array(z.string()).default([]),
            /** Scaleway's managed PostgreSQL instead of the PostgreSQL container (needed by server.count > 1). */
            managed: z
                .strictObject({
                    enabled: z.boolean().default(false),
                    /** Database node type, e.g. DB-DEV-S (2 vCPUs, 2 GB) or DB-PLAY2-PICO. */
                    nodeType: z.string().regex(/^DB-[A-Z0-9]+(-[A-Z0-9]+)*$/, "must be a Scaleway database node type such as DB-DEV-S or DB-PLAY2-PICO").default("DB-DEV-S"),
                    /** The engine: PostgreSQL 15 only, the version the platform's data and dumps are in. */
                    engine: z
                        .string()
                        .refine((e) => e === MANAGED_ENGINE, `must be ${MANAGED_ENGINE}: the platform runs PostgreSQL 15 and its dumps restore into 15; another major needs docs/runbooks/upgrade-postgres.md first`)
                        .default(MANAGED_ENGINE),
                    /** A standby node that takes over on failure (changing it recreates the instance: choose before the data moves in). */
                    isHaCluster: z.boolean().default(false),
                    /** Scaleway's own backups of the instance, beside the platform's nightly dump. */
                    backup: z
                        .strictObject({
                            /** Hours between two backups. */
                            frequencyHours: z.number().int().min(1).max(24).default(24),
                            /** Days each backup is kept. */
                            retentionDays: z.number().int().min(1).max(365).default(7),
                        })
                        .prefault({}),
                    volume: z
                        .strictObject({
                            /** Block storage (sbs_5k, sbs_15k: resizable) or the node's local SSD (lssd: its size comes with the node type). */
                            type: z.enum(["sbs_5k", "sbs_15k", "lssd"]).default("sbs_5k"),
                            /** Size in GB of a block storage volume. */
                            sizeGb: z.number().int().min(5).max(10000).default(10),
                        })
                        .prefault({}),
                    /** Read replicas on the private network; apps with readReplica: true get DATABASE_READ_URL. */
                    readReplicas: z.number().int().min(0).max(MAX_READ_REPLICAS).default(0),
                    /**
                     * How apps check the instance's certificate (DATABASE_URL's sslmode, with the instance's CA):
                     * verify-full also checks the address is in it; TLS is required in every mode.
                     */
                    sslMode: z.enum(["verify-full", "verify-ca", "require"]).default("verify-full"),
                    /**
                     * Moving a running platform onto it (docs/runbooks/move-to-the-managed-database.md):
                     * copying (the instance exists, apps still use the container), switched (apps use the
                     * instance, the container keeps the old data: the way back), done (the container is gone).
                     */
                    phase: z.enum(["copying", "switched", "done"]).default("done"),
                })
                .prefault({}),
        })
        .prefault({}),
    autoUpdater: z
        .strictObject({
            enabled: z.boolean().default(true),
            memoryMb: memoryMb(64),
            /** Six-field cron (seconds first): every 6 hours by default. */
            schedule: checked(z.string(), (v) => cronProblem(v, WATCHTOWER_FIELDS, "0 0 */6 * * *")).default("0 0 */6 * * *"),
            /** Watchtower scope: only containers labelled with it are touched. */
            scope: z.string().regex(/^[a-z0-9-]+$/, "must be lower-case letters, digits and hyphens").default("mhylle"),
        })
        .prefault({}),
    backups: z
        .strictObject({
            /** Daily pg_dump of every database into <root>/backups (false: no backup job at all). */
            enabled: z.boolean().default(true),
            /** Five-field cron, UTC: when the backup job runs. */
            schedule: crontab("30 2 * * *"),
            /** Newest backup of each of the last N days that have one is kept. */
            keepDaily: z.number().int().min(0).max(366).default(7),
            /** Newest backup of each of the last N ISO weeks that have one is kept. */
            keepWeekly: z.number().int().min(0).max(520).default(4),
            /** A backup refuses to start with less free space than this on the backup disk. */
            minFreeMb: z.number().int().min(0).default(1024),
            offsite: z
                .strictObject({
                    /** Copy each night's dumps to Scaleway Object Storage (needs backupAccessKey/backupSecretKey secrets). */
                    enabled: z.boolean().default(false),
                    /** Bucket name, created by this program; globally unique. */
                    bucket: z.string().regex(BUCKET_NAME, "must be a bucket name: 3-63 lower-case letters, digits, dots and hyphens").optional(),
                    /** Scaleway region of the bucket. */
                    region: z.enum(["fr-par", "nl-ams", "pl-waw"]).default("fr-par"),
                    /** Days after which the bucket's lifecycle rule deletes an off-site copy. */
                    expireDays: z.number().int().min(1).max(3650).default(60),
                    /** Adopt an existing bucket (after a `pulumi destroy` left it behind) instead of creating it. */
                    adopt: z.boolean().default(false),
                    /** Pinned rclone image that uploads (run with docker run --rm). */
                    image: coreImage("rclone/rclone:1.68.2"),
                })
                .prefault({}),
        })
        .prefault({}),
    monitoring: z
        .strictObject({
            /** Status job writing <root>/state/status.json and `platform-status`. */
            enabled: z.boolean().default(true),
            /** Five-field cron, UTC: how often the status report is refreshed. */
            schedule: crontab("*/5 * * * *"),
            /** A certificate with fewer days left turns the report amber. */
            certWarnDays: z.number().int().min(1).max(365).default(21),
            /** A certificate with fewer days left turns the report red. */
            certFailDays: z.number().int().min(0).max(365).default(7),
            /** Red when a database's newest backup is older than this. */
            backupMaxAgeHours: z.number().int().min(1).max(24 * 31).default(26),
            /** nginx access-log window the report summarises, in minutes. */
            logWindowMinutes: z.number().int().min(1).max(1440).default(15),
            /** Percent of 5xx responses in the window that turns the report red. */
            max5xxPercent: z.number().min(0).max(100).refine(hundredths, "must have at most two decimals (e.g. 0.5 or 0.25)").default(5),
            /** Percent of max_connections in use that turns the report amber. */
            connectionsWarnPercent: z.number().min(1).max(100).default(80),
            /** Monthly VACUUM ANALYZE of every database (five-field cron, UTC). */
            maintenanceSchedule: crontab("0 3 1 * *"),
            /** nginx log rotation (five-field cron, UTC) and how many rotated files to keep. */
            logRotateSchedule: crontab("0 0 * * *"),
            nginxLogKeep: z.number().int().min(1).max(365).default(14),
            page: z
                .strictObject({
                    /** The status page at /status/, over HTTPS to server.adminCidrs and the server itself (render/nginx/status-page.ts). */
                    enabled: z.boolean().default(true),
                })
                .prefault({}),
            history: z
                .strictObject({
                    /** Days of samples (one per status run) and release events kept for the page. */
                    days: z.number().int().min(1).max(90).default(14),
                    /** The most the samples take on disk, in MB; the oldest days go first. */
                    maxMb: z.number().int().min(1).max(100).default(5),
                })
                .prefault({}),
            alerts: alertsSchema({ hostname: HOSTNAME, port }),
            prometheus: z
                .strictObject({
                    /** Run nginx and PostgreSQL exporters on internal networks (the seed's future Prometheus). */
                    enabled: z.boolean().default(false),
                    /** Also publish /metrics on 127.0.0.1 of the server (ports 9113, 9187); never on a public address. */
                    loopback: z.boolean().default(false),
                    nginxExporterImage: coreImage("nginx/nginx-prometheus-exporter:1.3.0"),
                    postgresExporterImage: coreImage("quay.io/prometheuscommunity/postgres-exporter:v0.15.0"),
                    /** Memory limit of each exporter in MiB. */
                    memoryMb: memoryMb(32),
                })
                .prefault({}),
        })
        .prefault({}),
    registries: z
        .strictObject({
            /** Ask the registry for each tag's digest at preview, so a new digest shows as a release. */
            resolveDigests: z.boolean().default(true),
            /** Logins for private registries; each token is a secret config key named by tokenKey. */
            credentials: z
                .array(
                    z.strictObject({
                        // Never starting with "-": docker would read it as an option.
                        server: z.string().regex(/^[a-z0-9][a-z0-9.-]*(:[0-9]+)?$/, "must be a registry host such as ghcr.io"),
                        username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a registry user name (letters, digits, . _ -, not starting with -)"),
                        /** Name of the secret config key holding the token, e.g. ghcrToken. */
                        tokenKey: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, "must be a config key name such as ghcrToken"),
                    }),
                )
                .default([]),
        })
        .prefault({}),
    local: z
        .strictObject({
            /** Host folder that stands in for /opt/platform on the local target. */
            dataDir: checked(z.string(), (d) => dataDirProblem(d)).default(".platform-data"),
            /** Put the platform's jobs (backups, status, ...) in this machine's crontab; off by default so a try-out never edits yours. */
            cron: z.boolean().default(false),
            /**
             * server.count > 1 on this machine (tests): per server a Docker engine of its own standing
             * in for its server, a data folder, and the port its nginx listener is published on.
             */
            servers: z
                .array(
                    z.strictObject({
                        dockerHost: z.string().regex(/^unix:\/\/\/[A-Za-z0-9._/-]+$/, "must be a Docker engine's unix socket such as unix:///run/docker-2.sock"),
                        dataDir: checked(z.string(), (d) => dataDirProblem(d)),
                        backendPort: z.number().int().min(1024).max(65535),
                    }),
                )
                .default([]),
            /** The addresses nginx believes a PROXY header from, standing in for the load balancer's private ones. */
            loadBalancerAddresses: z.array(z.string().regex(/^[0-9a-fA-F:.]+(\/[0-9]{1,3})?$/, "must be an address or a CIDR range")).default(["127.0.0.1"]),
            /** An existing PostgreSQL 15 with TLS standing in for the managed database (tests); its admin's password is the secret managedDatabaseAdminPassword. */
            managedDatabase: z
                .strictObject({
                    host: z.union([z.ipv4(), z.string().regex(HOSTNAME, "must be an address or a DNS name")]),
                    port: port(5432),
                    /** The server's CA certificate (PEM), a file of this machine. */
                    caFile: z.string().regex(/^\/[A-Za-z0-9._/-]+$/, "must be an absolute path of plain characters"),
                    adminUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL role name").default("postgres"),
                })
                .optional(),
        })
        .prefault({}),
    apps: z.array(appSchema).default([]),
});

export type PlatformConfig = z.infer<typeof configSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type ServiceConfig = AppConfig["frontend"];
export type BackupsConfig = PlatformConfig["backups"];
export type MonitoringConfig = PlatformConfig["monitoring"];
export type LoadBalancerConfig = PlatformConfig["loadBalancer"];
export type ManagedDatabaseConfig = PlatformConfig["database"]["managed"];
