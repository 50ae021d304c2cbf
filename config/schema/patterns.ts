// Patterns and limits that keep every config value safe to put into nginx config, SQL, shell and
// Docker names (config/schema.ts re-exports them for the rest of the program).

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
/** The steps of going from one server to several (docs/runbooks/add-a-server.md), in order. */
export const LB_PHASES = ["dns", "certificate", "done"] as const;
/** The managed database engine: PostgreSQL 15, as the container the platform runs. */
export const MANAGED_ENGINE = "PostgreSQL-15";
/** S3 bucket name rules (Scaleway Object Storage follows them). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A secret config key's name (`pulumi config set --secret <key>`): a registry token's or a secretEnv value's. */
export const SECRET_CONFIG_KEY = /^[A-Za-z][A-Za-z0-9]*$/;
/** Names a build argument may have (Dockerfile ARG names). */
export const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A folder of this repository (relative, no `..`), in characters safe in any language it reaches. */
export const BUILD_CONTEXT = /^(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Last path segment carries a tag, or the reference pins a digest. */
export const hasTagOrDigest = (ref: string) => ref.includes("@sha256:") || (ref.split("/").pop() ?? "").includes(":");
