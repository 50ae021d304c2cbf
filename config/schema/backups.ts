// backups: the nightly dump of every database, its retention, and its off-site copy.
import { z } from "zod";
import { coreImage, crontab } from "./fields";
import { BUCKET_NAME } from "./patterns";

const offsiteSchema = z
    .strictObject({
        enabled: z
            .boolean()
            .default(false)
            .describe("Copy each night's dumps to Scaleway Object Storage (scaleway target; needs the secrets `backupAccessKey` and `backupSecretKey`)."),
        bucket: z
            .string()
            .regex(BUCKET_NAME, "must be a bucket name: 3-63 lower-case letters, digits, dots and hyphens")
            .optional()
            .describe("Required when `backups.offsite.enabled` is true: the bucket's globally unique name, e.g. `mhylle-backups`; this program creates it."),
        region: z.enum(["fr-par", "nl-ams", "pl-waw"]).default("fr-par").describe("The Scaleway region of the bucket."),
        expireDays: z
            .number()
            .int()
            .min(1)
            .max(3650)
            .default(60)
            .describe("Days after which the bucket's lifecycle rule deletes an off-site copy; at least as long as local retention."),
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
    .describe("Point-in-time recovery: continuous WAL archiving and backups with pgBackRest, to the server's disk and, with `backups.offsite.enabled`, to the off-site bucket.");

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
