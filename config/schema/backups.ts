// backups: the nightly dump of every database, its retention, and its off-site copy.
import { z } from "zod";
import { bucketNameProblem } from "../bucket-name";
import { checked, coreImage, crontab } from "./fields";
import { AGE_RECIPIENT } from "../age-key";

const offsiteSchema = z
    .strictObject({
        enabled: z
            .boolean()
            .default(false)
            .describe("Copy each night's dumps, encrypted, to Scaleway Object Storage (scaleway target; needs `recipient` and the secret `backupIdentity`). The server's key may only add objects; the bucket keeps every version, locked until `expireDays`."),
        bucket: checked(z.string(), bucketNameProblem)
            .optional()
            .describe(
                "Required when `backups.offsite.enabled` is true: the bucket's globally unique name, e.g. `mhylle-backups` (S3's rules: 3-63 lower-case letters, digits and hyphens, no dots, no reserved prefix or suffix); this program creates it.",
            ),
        region: z.enum(["fr-par", "nl-ams", "pl-waw"]).default("fr-par").describe("The Scaleway region of the bucket."),
        expireDays: z
            .number()
            .int()
            .min(1)
            .max(3650)
            .default(60)
            .describe("Days each off-site copy is locked (object lock, compliance mode: no one can delete or overwrite it, the account owner included) and after which the bucket's lifecycle rule deletes it; at least as long as local retention."),
        recipient: z
            .string()
            .regex(AGE_RECIPIENT, "must be an age public key: age1 and 58 characters, as age-keygen prints it")
            .optional()
            .describe(
                "Required when `backups.offsite.enabled` is true: the age public key (`age1...`) every copy is encrypted to before it leaves the server. Its identity (the private key) is the secret `backupIdentity`, needed only to restore: the server never holds it.",
            ),
        adopt: z.boolean().default(false).describe("Adopt an existing bucket (one a `pulumi destroy` left behind) instead of creating it."),
        image: coreImage("rclone/rclone:1.68.2").describe("The pinned rclone image that uploads the dumps."),
    })
    .prefault({})
    .describe("The off-site copy of the dumps.");

const pitrSchema = z
    .strictObject({
        enabled: z
            .boolean()
            .default(false)
            .describe(
                "Archive every WAL segment and take scheduled full and differential backups with pgBackRest (docs/runbooks/restore-a-database.md); needs the secret `backupCipherPass`. The nightly dump stays as a second, independent path.",
            ),
        archiveTimeoutSeconds: z
            .number()
            .int()
            .min(1)
            .max(60)
            .default(60)
            .describe("PostgreSQL's `archive_timeout`: a partly filled WAL segment is archived after at most this many seconds, the recovery point on a quiet server."),
        fullSchedule: crontab("15 3 * * 0").describe("When the full backup runs (five-field cron, UTC)."),
        diffSchedule: crontab("15 3 * * 1-6").describe("When the differential backup runs (five-field cron, UTC)."),
        retentionFullDays: z
            .number()
            .int()
            .min(1)
            .max(3650)
            .default(14)
            .describe("Keep full backups (with their differentials and WAL) for this many days (`repo-retention-full-type=time`); any second since the oldest kept full can be restored."),
        retentionDiff: z.number().int().min(1).max(366).default(7).describe("Keep this many differential backups (pgBackRest counts them; they also go with their full)."),
        drillSchedule: crontab("45 4 * * *").describe("When the restore drill restores the newest backup and WAL into a throwaway container and checks it (five-field cron, UTC)."),
    })
    .prefault({})
    .describe(
        "Point-in-time recovery: continuous WAL archiving and backups with pgBackRest, to the server's disk and, with `backups.offsite.enabled`, through a pgBackRest repository host to a bucket of its own, `<backups.offsite.bucket>-pitr` (its key reads and writes, never deletes).",
    );

export const backupsSchema = z
    .strictObject({
        enabled: z.boolean().default(true).describe("Dump every database nightly into `<root>/backups` with `pg_dump` (`false`: no backup job at all)."),
        schedule: crontab("30 2 * * *").describe("When the backup job runs (five-field cron, UTC)."),
        keepDaily: z.number().int().min(0).max(366).default(7).describe("Keep the newest dump of each of the last N days that have one."),
        keepWeekly: z
            .number()
            .int()
            .min(0)
            .max(520)
            .default(4)
            .describe("Keep the newest dump of each of the last N ISO weeks that have one (`keepDaily` and `keepWeekly` may not both be 0)."),
        minFreeMb: z.number().int().min(0).default(1024).describe("A backup refuses to start with less free space than this (MiB) on the backup disk."),
        offsite: offsiteSchema,
        pitr: pitrSchema,
    })
    .prefault({})
    .describe("The nightly backup of every database.");
