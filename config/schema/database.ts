// database: the shared PostgreSQL 15 container, or Scaleway's managed PostgreSQL in its place.
import { z } from "zod";
import { memoryMb } from "./fields";
import { MANAGED_ENGINE, MAX_READ_REPLICAS } from "./patterns";

const managedSchema = z
    .strictObject({
        enabled: z
            .boolean()
            .default(false)
            .describe("Use Scaleway's managed PostgreSQL on the private network (no public endpoint) instead of the container; scaleway target, needed by `server.count` above 1."),
        nodeType: z
            .string()
            .regex(/^DB-[A-Z0-9]+(-[A-Z0-9]+)*$/, "must be a Scaleway database node type such as DB-DEV-S or DB-PLAY2-PICO")
            .default("DB-DEV-S")
            .describe("The database node type, e.g. `DB-DEV-S` (2 vCPUs, 2 GB) or `DB-PLAY2-PICO`."),
        engine: z
            .string()
            .refine(
                (e) => e === MANAGED_ENGINE,
                `must be ${MANAGED_ENGINE}: the platform runs PostgreSQL 15 and its dumps restore into 15; another major needs docs/runbooks/upgrade-postgres.md first`,
            )
            .default(MANAGED_ENGINE)
            .describe("The engine: PostgreSQL 15 only, the version the platform's data and dumps are in (another major: docs/runbooks/upgrade-postgres.md)."),
        isHaCluster: z
            .boolean()
            .default(false)
            .describe("A standby node that takes over on failure; changing it upgrades the instance in place (Scaleway's UpgradeInstance: docs/engine-notes.md section 9)."),
        backup: z
            .strictObject({
                frequencyHours: z.number().int().min(1).max(24).default(24).describe("Hours between two of Scaleway's backups of the instance."),
                retentionDays: z.number().int().min(1).max(365).default(7).describe("Days each of Scaleway's backups is kept."),
            })
            .prefault({})
            .describe("Scaleway's own backups of the instance, beside the platform's nightly dump."),
        volume: z
            .strictObject({
                type: z
                    .enum(["sbs_5k", "sbs_15k", "lssd"])
                    .default("sbs_5k")
                    .describe("Block storage (`sbs_5k`, `sbs_15k`: resizable) or the node's local SSD (`lssd`, sized by the node type)."),
                sizeGb: z.number().int().min(5).max(10000).default(10).describe("The size in GB of a block storage volume: a multiple of 5, and it can only grow."),
            })
            .prefault({})
            .describe("The instance's storage."),
        readReplicas: z
            .number()
            .int()
            .min(0)
            .max(MAX_READ_REPLICAS)
            .default(0)
            .describe("Read replicas on the private network; apps with `readReplica: true` get `DATABASE_READ_URL`."),
        sslMode: z
            .enum(["verify-full", "verify-ca", "require"])
            .default("verify-full")
            .describe(
                "How apps check the instance's certificate (`DATABASE_URL`'s sslmode, with the instance's CA): `verify-full` also checks the address is in it; TLS is required in every mode.",
            ),
        existingDatabases: z
            .array(z.string().regex(/^[a-z]{2}-[a-z]{3}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[A-Za-z0-9_$-]{1,63}$/, "must be a database's ID, `<region>/<instance id>/<name>`"))
            .default([])
            .describe(
                "Databases already on the instance but not in this stack (kept when their app was removed, or through a rebuild), as `<region>/<instance id>/<name>`: each is imported, never created again (CreateDatabase on an existing name retries for 30 minutes, then fails); leaving it listed is harmless (docs/runbooks/add-an-app.md).",
            ),
        phase: z
            .enum(["copying", "switched", "done"])
            .default("done")
            .describe(
                "Moving a running platform onto the instance (docs/runbooks/move-to-the-managed-database.md): `copying` (apps still use the container), `switched` (apps use the instance, the container keeps the old data as the way back), `done` (the container is gone).",
            ),
    })
    .prefault({})
    .describe("Scaleway's managed PostgreSQL instead of the PostgreSQL container.");

export const databaseSchema = z
    .strictObject({
        memoryMb: memoryMb(768).describe("The PostgreSQL container's memory limit in MiB."),
        sharedDb: z.boolean().default(true).describe("Create the seed's `shared_db` for cross-application data."),
        sharedDbGrants: z.array(z.string()).default([]).describe("The apps (with a database) whose roles may use `shared_db`."),
        managed: managedSchema,
    })
    .prefault({})
    .describe("PostgreSQL 15: one database and one login role per app.");
