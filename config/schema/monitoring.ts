// monitoring: the status job (report, history, page, alerts), the scheduled maintenance, and the
// optional Prometheus exporters.
import { z } from "zod";
import { coreImage, crontab, memoryMb, percent5xx, port } from "./fields";
import { alertsSchema } from "./alerts";

const prometheusSchema = z
    .strictObject({
        enabled: z.boolean().default(false).describe("Run nginx and PostgreSQL exporters on internal networks, published nowhere (needs `monitoring.enabled`)."),
        loopback: z.boolean().default(false).describe("Also publish `/metrics` on the server's 127.0.0.1 (ports 9113, 9187), never on a public address."),
        nginxExporterImage: coreImage("nginx/nginx-prometheus-exporter:1.3.0").describe("The pinned nginx exporter image."),
        postgresExporterImage: coreImage("quay.io/prometheuscommunity/postgres-exporter:v0.15.0").describe("The pinned PostgreSQL exporter image."),
        memoryMb: memoryMb(32).describe("Each exporter's memory limit in MiB."),
    })
    .prefault({})
    .describe("Prometheus exporters for nginx and PostgreSQL.");

export const monitoringSchema = z
    .strictObject({
        enabled: z.boolean().default(true).describe("Run the status job, which writes `<root>/state/status.json` and `platform-status`."),
        schedule: crontab("*/5 * * * *").describe("How often the status report is refreshed (five-field cron, UTC)."),
        certWarnDays: z.number().int().min(1).max(365).default(21).describe("A certificate with fewer days left turns the report amber."),
        certFailDays: z.number().int().min(0).max(365).default(7).describe("A certificate with fewer days left turns the report red; must be below `certWarnDays`."),
        backupMaxAgeHours: z
            .number()
            .int()
            .min(1)
            .max(24 * 31)
            .default(26)
            .describe("The report turns red when a database's newest dump is older than this many hours."),
        logWindowMinutes: z.number().int().min(1).max(1440).default(15).describe("The minutes of nginx's access log the report summarises."),
        max5xxPercent: percent5xx(5).describe("The share of 5xx responses in the window (at most two decimals) that turns the report red."),
        connectionsWarnPercent: z.number().min(1).max(100).default(80).describe("The share of PostgreSQL's max_connections in use that turns the report amber."),
        maintenanceSchedule: crontab("0 3 1 * *").describe("When `vacuumdb --all --analyze` runs (five-field cron, UTC)."),
        logRotateSchedule: crontab("0 0 * * *").describe("When nginx's logs are rotated (five-field cron, UTC)."),
        nginxLogKeep: z.number().int().min(1).max(365).default(14).describe("How many rotated nginx log files are kept."),
        imagePruneSchedule: crontab("30 4 * * *").describe("When Docker images no container uses (running or stopped) and older than `imageKeepDays` are removed (five-field cron, UTC). Scaleway target only: the local target's Docker is yours."),
        imageKeepDays: z
            .number()
            .int()
            .min(1)
            .max(365)
            .default(7)
            .describe("The rollback window: an unused image is removed only once it was created more than this many days ago (Docker's `until` filter, the image's creation time, not its pull)."),
        page: z
            .strictObject({
                enabled: z
                    .boolean()
                    .default(true)
                    .describe(
                        "Serve the status page at `https://<domain>:<port>/status/`, an origin of its own no app's script can read, to `server.adminCidrs` only (a range only `sshOpenToInternet` allows is left out; Docker's gateways never). One server only: behind a load balancer it is not published.",
                    ),
                port: port(9443).describe("The host port of the status page's own HTTPS origin; not `proxy.httpPort` or `proxy.httpsPort`."),
            })
            .prefault({})
            .describe("The status page."),
        history: z
            .strictObject({
                days: z.number().int().min(1).max(90).default(14).describe("Days of samples (one per status run) and release events kept for the page."),
                maxMb: z.number().int().min(1).max(100).default(5).describe("The most the samples take on disk, in MB; the oldest days go first."),
            })
            .prefault({})
            .describe("The status history behind the page's charts."),
        alerts: alertsSchema,
        prometheus: prometheusSchema,
    })
    .prefault({})
    .describe("The status report every few minutes, scheduled maintenance, and optional exporters.");
