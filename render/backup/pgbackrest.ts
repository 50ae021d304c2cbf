// pgBackRest's configuration and PostgreSQL's archiving settings, rendered from stack config.
// repo1 is a Docker volume beside the data volume on the server's disk (fast restores, and a copy
// when a mistake or a bad disk page ruins the cluster); repo2 is the off-site bucket (a lost
// server). Both are encrypted with the stack secret backupCipherPass. The whole file is secret (the
// passphrase and the bucket's keys are in it): it reaches the server on stdin, lives in the 0700
// secrets folder and is bind-mounted read-only at /etc/pgbackrest/pgbackrest.conf, so no secret is
// ever in argv, the environment or `docker inspect`.
import type { BackupsConfig } from "../../config/schema";
import { script, shq } from "../shell";
import { PITR_BUCKET_SUFFIX, pitrBucketOf } from "../../config/naming";

/** The one stanza: the platform's one PostgreSQL cluster. */
export const PGBACKREST_STANZA = "platform";
/** On the host, under the platform root (render/secret-file.ts's folder). */
export const PGBACKREST_CONF = "secrets/pgbackrest.conf";
/**
 * The repository host's file (with the bucket): a path of its own, so switching between the two
 * layouts never has one command's delete remove the file the other just wrote.
 */
export const PGBACKREST_REPO_HOST_CONF = "secrets/pgbackrest-repo-host.conf";
/** Where pgBackRest reads its config by default (render/backup/postgres-pgbackrest.Dockerfile). */
export const PGBACKREST_CONF_IN_CONTAINER = "/etc/pgbackrest/pgbackrest.conf";
/** repo1 in the container: the Docker volume PGBACKREST_VOLUME. */
export const PGBACKREST_REPO1_PATH = "/var/lib/pgbackrest";
export const PGBACKREST_VOLUME = "postgres-pgbackrest";
/** repo2's prefix in the bucket: beside the nightly dumps, never mixed with them. */
export const PGBACKREST_REPO2_PATH = "/pgbackrest";
/** PGDATA of the platform's PostgreSQL container (components/database.ts). */
export const PGDATA = "/var/lib/postgresql/data/pgdata";

export type PitrConfig = BackupsConfig["pitr"];

export interface PgBackRestSecrets {
    /** backupCipherPass. */
    readonly cipherPass: string;
    /** repo2's key (read and write, no delete: components/pitr-store.ts), with repo2. */
    readonly s3Key?: string;
    readonly s3Secret?: string;
}

/** Where repo2 is reached: Scaleway's endpoint by default; the tests point it at their own S3 server. */
export interface Repo2Endpoint {
    readonly host: string;
    readonly port?: number;
    /** A CA file inside the container (the tests' own CA); default: the image's CA bundle. */
    readonly caFile?: string;
}

/** Scaleway Object Storage's S3 endpoint for a region. */
export const scalewayEndpoint = (region: string): Repo2Endpoint => ({ host: `s3.${region}.scw.cloud` });

/**
 * repo2's bucket: its own, beside the dumps' (components/pitr-store.ts). The dumps' bucket expires
 * every object `expireDays` after it was written, which would take pgBackRest's archive.info
 * (written once, at stanza-create) and break the repository; this one expires only replaced versions.
 */
export { PITR_BUCKET_SUFFIX };
export const pitrBucketName = (b: BackupsConfig) => pitrBucketOf(b.offsite.bucket ?? "");

/** Whether repo2 (the bucket) is configured: the off-site copy is on and names its bucket. */
export const hasRepo2 = (b: BackupsConfig) => b.offsite.enabled && !!b.offsite.bucket;

/**
 * With the bucket, pgBackRest runs on a repository host (render/backup/pgbackrest-host.ts): PostgreSQL's
 * networks are internal and its container holds no passphrase and no bucket key.
 */
export const usesRepoHost = (b: BackupsConfig) => b.pitr.enabled && hasRepo2(b);
/** The pgbackrest.conf the jobs and restores mount: the repository host's, or PostgreSQL's own. */
export const pgbackrestConfFile = (b: BackupsConfig) => (usesRepoHost(b) ? PGBACKREST_REPO_HOST_CONF : PGBACKREST_CONF);

/** Repositories in the order restores try them: the server's own first. */
export const repos = (b: BackupsConfig): number[] => (hasRepo2(b) ? [1, 2] : [1]);

// A line break in a value would start a new option in the file.
function oneLine(name: string, value: string): string {
    if (/[\r\n]/.test(value) || value !== value.trim() || value === "") throw new Error(`${name} must be one line without leading or trailing spaces`);
    return value;
}

/** repo1 (a local path) and repo2 (the bucket) with their cipher and retention: the [global] lines that hold the secrets. */
export function repositoryLines(b: BackupsConfig, secrets: PgBackRestSecrets, endpoint?: Repo2Endpoint): string[] {
    const p = b.pitr;
    const cipher = oneLine("backupCipherPass", secrets.cipherPass);
    const repo = (n: number) => [
        `repo${n}-cipher-type=aes-256-cbc`,
        `repo${n}-cipher-pass=${cipher}`,
        `repo${n}-retention-full-type=time`,
        `repo${n}-retention-full=${p.retentionFullDays}`,
        `repo${n}-retention-diff=${p.retentionDiff}`,
        // WAL is kept for every kept backup: any second since the oldest full can be restored.
        `repo${n}-retention-archive-type=full`,
    ];
    const lines = [`repo1-path=${PGBACKREST_REPO1_PATH}`, ...repo(1)];
    if (hasRepo2(b)) {
        const e = endpoint ?? scalewayEndpoint(b.offsite.region);
        if (!secrets.s3Key || !secrets.s3Secret) throw new Error("repo2 needs the bucket's keys (the repository host's key: components/pitr-store.ts)");
        lines.push(
            "repo2-type=s3",
            `repo2-path=${PGBACKREST_REPO2_PATH}`,
            `repo2-s3-bucket=${pitrBucketName(b)}`,
            `repo2-s3-endpoint=${e.host}`,
            `repo2-s3-region=${b.offsite.region}`,
            // Path style: a bucket name with dots would not match the endpoint's wildcard certificate.
            "repo2-s3-uri-style=path",
            `repo2-s3-key=${oneLine("backupAccessKey", secrets.s3Key)}`,
            `repo2-s3-key-secret=${oneLine("backupSecretKey", secrets.s3Secret)}`,
            ...(e.port ? [`repo2-storage-port=${e.port}`] : []),
            ...(e.caFile ? [`repo2-storage-ca-file=${e.caFile}`] : []),
            ...repo(2),
        );
    }
    return lines;
}

/** The [global] settings every pgbackrest.conf shares, the repository host's too. */
export const GLOBAL_SETTINGS = [
    // Two cores: one process leaves the other to PostgreSQL and the apps.
    "process-max=1",
    "compress-type=zst",
    // A backup starts at once (an immediate checkpoint) rather than at the next timed one.
    "start-fast=y",
    // Restores into a scratch volume reuse nothing; delta makes a rerun after a failure cheap.
    "delta=y",
    // Logs go to stderr: the job log on the host, PostgreSQL's log for archive-push.
    "log-level-console=warn",
    "log-level-stderr=warn",
    "log-level-file=off",
    // The jobs expire repo1 alone (`expire --repo=1`): the bucket's key cannot delete, and the
    // bucket's own lock and lifecycle keep its history (components/pitr-store.ts).
    "expire-auto=n",
];

/** The whole pgbackrest.conf (secret). */
export function pgbackrestConf(b: BackupsConfig, secrets: PgBackRestSecrets, endpoint?: Repo2Endpoint): string {
    const lines = ["[global]", ...repositoryLines(b, secrets, endpoint)];
    lines.push(
        ...GLOBAL_SETTINGS,
        "",
        `[${PGBACKREST_STANZA}]`,
        `pg1-path=${PGDATA}`,
        "pg1-socket-path=/var/run/postgresql",
        "",
    );
    return lines.join("\n");
}

/** PostgreSQL's archiving settings, as `postgres -c` arguments (nothing secret in them). */
export function archiveSettings(p: PitrConfig): string[] {
    return [
        "wal_level=replica",
        "archive_mode=on",
        `archive_command=pgbackrest --stanza=${PGBACKREST_STANZA} archive-push %p`,
        `archive_timeout=${p.archiveTimeoutSeconds}`,
    ];
}

/** The container's command: the image's `postgres`, with archiving on. */
export const archivingCommand = (p: PitrConfig): string[] => ["postgres", ...archiveSettings(p).flatMap((s) => ["-c", s])];

/** Makes (or checks) the stanza in every repository; the container's ID keys it to that container. */
export const stanzaCreateScript = (container: string, containerId: string) =>
    script(`# container ${containerId}`, `docker exec --user postgres ${shq(container)} pgbackrest --stanza=${PGBACKREST_STANZA} stanza-create`);
