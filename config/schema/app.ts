// apps[]: one web app, a frontend and a backend, each from an image (or built from source locally),
// with its route, database, proxy overrides and release gates.
import { z } from "zod";
import { containerUserProblem } from "../field-checks";
import { checked, cspValue, imageRef, memoryMb, percent5xx, port } from "./fields";
import { APP_NAME, BUILD_ARG, BUILD_CONTEXT, ENV_KEY, HTTP_PATH, NGINX_SIZE, ROUTE_PREFIX, SECRET_CONFIG_KEY } from "./patterns";

const envMap = z.record(z.string().regex(ENV_KEY, "must be a shell-style variable name"), z.string()).default({});

const buildSchema = z.strictObject({
    context: z
        .string()
        .regex(BUILD_CONTEXT, "must be a folder of this repository such as demo/backend (relative, no ..)")
        .max(255)
        .describe("Required with build: the folder of this repository holding the Dockerfile, e.g. `demo/backend` (relative, no `..`)."),
    dockerfile: z
        .string()
        .regex(BUILD_CONTEXT, "must be a file in the build context such as Dockerfile")
        .max(255)
        .default("Dockerfile")
        .describe("The Dockerfile, relative to the build context."),
    args: z
        .record(z.string().regex(BUILD_ARG, "must be a build argument name such as DEMO_VERSION"), z.string().regex(/^[\x20-\x7e]*$/, "must be printable ASCII"))
        .default({})
        .describe("Build arguments (Dockerfile `ARG`s) such as `DEMO_VERSION`, in printable ASCII."),
});

/** The frontend or the backend of an app; the defaults differ between the two. */
export const serviceSchema = (defaults: { port: number; healthPath: string; memoryMb: number }) =>
    z.strictObject({
        image: imageRef("ghcr.io/owner/name:1.0.0")
            .optional()
            .describe("Required unless `build` is set: the image with a tag or digest, e.g. `ghcr.io/owner/name:1.0.0`; each tag is pinned to its digest at every `up`."),
        build: buildSchema
            .optional()
            .describe("Optional, local target only, instead of `image`: build the image from a folder of this repository on the target's Docker."),
        port: port(defaults.port).describe("The port the container listens on."),
        healthPath: z
            .string()
            .regex(HTTP_PATH, "must be an absolute URL path such as /health")
            // The release probes a slot at <probe>/<slot><path>: a client resolves dot segments, so
            // /../app2_backend_blue/health would ask another app's container whether this one is healthy.
            .refine((p) => !/(^|\/)\.\.?(\/|$)/.test(p) && !p.includes("//"), "has a . or .. segment or //, which the health probe resolves to another path (another app's container): write the path plainly, such as /health")
            .default(defaults.healthPath)
            .describe("The path the container answers with 2xx when it is healthy (the release's health gate); no `.` or `..` segments, no `//`."),
        env: envMap.describe(
            "Plain, non-secret environment variables (in the stack file and in state in clear); the platform's own (`PORT`, `APP_NAME`, `RELEASE_IMAGE`, `RELEASE_ID`, `DATABASE_*`, `PG*`), keys a JavaScript object drops (`__proto__`) and anything that looks like a secret (a name with PASSWORD, SECRET, TOKEN, KEY, ...; a URL with a password; a token) are refused: use `secretEnv`.",
        ),
        secretEnv: z
            .record(z.string().regex(ENV_KEY, "must be a shell-style variable name"), z.string().regex(SECRET_CONFIG_KEY, "must be a config key name such as app1DbUrl"))
            .default({})
            .describe(
                "Secret environment variables: each variable's value is read from the secret config key it names (`pulumi config set --secret app1ApiToken <value>`, then `API_TOKEN: app1ApiToken`); encrypted in state; it reaches the container through a read-only file of its own, never its `docker inspect` environment (docs/app-contract.md).",
            ),
        memoryMb: memoryMb(defaults.memoryMb).describe("The container's hard memory limit in MiB (counted in the server's memory budget)."),
        user: checked(z.string(), containerUserProblem)
            .default("10001:10001")
            .describe('The uid:gid the container runs as, never uid 0 (root); `""` keeps the image\'s own user, which must not be root.'),
        keepPrefix: z
            .boolean()
            .default(true)
            .describe("Keep the route prefix when proxying (`true`, for an Angular base href or a NestJS global prefix) or strip it (`false`)."),
    });

const appProxySchema = z
    .strictObject({
        csp: cspValue()
            .optional()
            .describe("Optional: this app's Content-Security-Policy, with the same rules as `proxy.csp`; without it the platform's policy applies."),
        clientMaxBodySize: z
            .string()
            .regex(NGINX_SIZE, "must be an nginx size such as 10m: at most 7 digits, then k or m")
            .default("10m")
            .describe("nginx's `client_max_body_size` for the app's routes: at most 7 digits, then `k` or `m`."),
        readTimeoutSeconds: z.number().int().min(1).max(3600).default(60).describe("Seconds nginx waits for the backend to answer."),
    })
    .prefault({})
    .describe("Per-app nginx overrides.");

const releaseSchema = z
    .strictObject({
        healthTimeoutSeconds: z.number().int().min(5).max(1800).default(120).describe("Seconds a new container gets to become healthy before the release fails."),
        healthCheckTimeoutSeconds: z
            .number()
            .int()
            .min(1)
            .max(30)
            .default(2)
            .describe("Seconds one run of Docker's health check (every 2 s) may take; three failed runs in a row make a container unhealthy, which rolls a release in its watch back."),
        watchSeconds: z.number().int().min(0).max(3600).default(30).describe("Seconds the old container is kept after the switch while the new one is watched."),
        max5xxPercent: percent5xx(1).describe("The share of 5xx responses (at most two decimals, e.g. 0.5) that rolls the release back during the watch."),
        windowSeconds: z.number().int().min(1).max(600).default(10).describe("Seconds of traffic the 5xx share is judged over, every second of the watch."),
        minRequests: z
            .number()
            .int()
            .min(1)
            .max(100000)
            .default(20)
            .describe("A window with fewer responses than this is not judged for 5xx (too few to tell), though health still is."),
        drainSeconds: z.number().int().min(0).max(600).default(10).describe("Seconds in-flight requests get to finish on the old container."),
    })
    .prefault({})
    .describe("The gates of a blue-green release.");

export const appSchema = z.strictObject({
    name: z
        .string()
        .regex(APP_NAME, "must be lower-case letters and digits, words joined by single hyphens, starting with a letter")
        .describe(
            "Required: the app's lower-case name (words joined by hyphens, at most 24 characters) from which its container, network, database and route names derive; its database role may not be one PostgreSQL reserves (no `pg-` prefix, no SQL key word such as `user`, not `public` or `none`).",
        ),
    routePrefix: z
        .string()
        .regex(ROUTE_PREFIX, "must look like /app1 (lower-case, no trailing slash)")
        .optional()
        .describe("Optional: the public path of the frontend (default `/<name>`); the API is always at `/api/<name>`."),
    frontend: serviceSchema({ port: 8080, healthPath: "/", memoryMb: 128 }).describe("The app's frontend container."),
    backend: serviceSchema({ port: 3000, healthPath: "/health", memoryMb: 256 }).describe("The app's backend container."),
    repository: z
        .string()
        .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "must be a GitHub repository as owner/name, e.g. mhylle/app1")
        .refine((r) => !/\/\.\.?$/.test(r), "must be a GitHub repository as owner/name, e.g. mhylle/app1")
        .optional()
        .describe(
            "Optional: the GitHub repository (`owner/name`) whose workflow may release this app by `repository_dispatch`: a release request must carry a GitHub OIDC token of that repository (docs/github-actions.md). Unset: no request can release the app.",
        ),
    repositoryId: z
        .union([z.string(), z.number()])
        .transform((v) => String(v))
        .pipe(z.string().regex(/^[1-9][0-9]{0,18}$/, "must be GitHub's numeric id of the repository, e.g. 123456789 (gh api repos/OWNER/NAME --jq .id)"))
        .optional()
        .describe(
            "Required to release by `repository_dispatch`: GitHub's numeric id of `repository` (`gh api repos/OWNER/NAME --jq .id`). A name is freed when its repository is renamed or deleted and anyone may take it; the id never moves, and the release proof's `repository_id` claim must equal it.",
        ),
    releaseBranch: z
        .string()
        .regex(/^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._\/-]{1,200}$/, "must be a branch name such as main")
        .default("main")
        .describe("The branch of `repository` whose workflow runs may release this app: a run on another branch (anyone who can push one) is refused."),
    database: z.boolean().default(true).describe("Give the app its own database and login role."),
    watchtower: z.boolean().default(false).describe("Let Watchtower replace this app's containers in place instead of blue-green releases."),
    readReplica: z
        .boolean()
        .default(false)
        .describe("Also give the backend `DATABASE_READ_URL`, its database on a read replica (needs `database.managed.readReplicas` of 1 or more)."),
    proxy: appProxySchema,
    release: releaseSchema,
});
