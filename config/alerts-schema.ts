// monitoring.alerts: when the status job tells a person, and through which channels. The channels'
// secrets (alertWebhookUrl, alertSmtpPassword) are config keys of their own (stacks/program.ts).
import { z } from "zod";

/** What schema.ts shares with this block (passed in: schema.ts imports this file). */
export interface SchemaParts {
    readonly hostname: RegExp;
    readonly port: (def: number) => z.ZodDefault<z.ZodNumber>;
}

/** Alerts of the status job (render/monitoring/status/alerts.py). */
export const alertsSchema = ({ hostname, port }: SchemaParts) =>
    z
        .strictObject({
            /** Consecutive red runs before the red alert (no alert for one bad run). */
            redAfterRuns: z.number().int().min(1).max(20).default(2),
            /** Consecutive runs that are not red before the all-clear. */
            greenAfterRuns: z.number().int().min(1).max(20).default(2),
            /** A daily message while everything is green, so silence can be told apart from a dead job. */
            heartbeat: z.boolean().default(false),
            /** UTC hour from which the daily heartbeat is sent. */
            heartbeatHourUtc: z.number().int().min(0).max(23).default(8),
            /** Seconds a channel gets per message. */
            timeoutSeconds: z.number().int().min(1).max(60).default(10),
            webhook: z
                .strictObject({
                    /** POST each alert as JSON to the secret URL alertWebhookUrl (https only). */
                    enabled: z.boolean().default(false),
                    /** The body: generic (text, title, message, kind, ...), slack, discord or ntfy. */
                    format: z.enum(["generic", "slack", "discord", "ntfy"]).default("generic"),
                    /** ntfy topic (format ntfy: the URL is the server's root, e.g. https://ntfy.sh). */
                    topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an ntfy topic: 1-64 letters, digits, _ and -").optional(),
                })
                .prefault({}),
            email: z
                .strictObject({
                    /** Mail each alert through an SMTP relay (password: the secret alertSmtpPassword). */
                    enabled: z.boolean().default(false),
                    /** The relay, e.g. smtp.example.com. */
                    host: z.union([z.string().regex(hostname, "must be a lower-case DNS name such as smtp.example.com or an IPv4 address"), z.ipv4()]).optional(),
                    port: port(587),
                    /** starttls (port 587) or tls (implicit TLS, port 465); the certificate is always verified. */
                    security: z.enum(["starttls", "tls"]).default("starttls"),
                    /** Login name at the relay; without it no login is attempted. */
                    username: z.string().regex(/^[A-Za-z0-9._@+=:-]{1,256}$/, "must be 1-256 letters, digits and . _ @ + = : -").optional(),
                    from: z.email("must be an email address").optional(),
                    to: z.array(z.email("must be an email address")).max(20).default([]),
                })
                .prefault({}),
        })
        .prefault({});
