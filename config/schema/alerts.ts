// monitoring.alerts: when the status job tells a person, and through which channels. The channels'
// secrets (alertWebhookUrl, alertSmtpPassword) are config keys of their own (config/secrets.ts).
import { z } from "zod";
import { port } from "./fields";
import { HOSTNAME } from "./patterns";

const webhookSchema = z
    .strictObject({
        enabled: z.boolean().default(false).describe("POST each alert as JSON to the secret URL `alertWebhookUrl` (https only)."),
        format: z
            .enum(["generic", "slack", "discord", "ntfy"])
            .default("generic")
            .describe("The body: `generic` (`text`, `title`, `message`, `kind`, `severity`, `at`, `platform`), `slack`, `discord` or `ntfy`."),
        topic: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an ntfy topic: 1-64 letters, digits, _ and -")
            .optional()
            .describe(
                "Required with format `ntfy`, and only then: the ntfy topic (the URL is then the server's root, e.g. `https://ntfy.sh`). On a public server the topic is the only secret, so it needs a random part of 20+ letters and digits mixed, e.g. `alerts-$(openssl rand -hex 16)`; a name a person would pick is refused.",
            ),
    })
    .prefault({})
    .describe("Alerts to a webhook.");

const emailSchema = z
    .strictObject({
        enabled: z.boolean().default(false).describe("Mail each alert through an SMTP relay."),
        host: z
            .union([z.string().regex(HOSTNAME, "must be a lower-case DNS name such as smtp.example.com or an IPv4 address"), z.ipv4()])
            .optional()
            .describe("Required when email alerts are enabled: the relay's DNS name or IPv4 address, e.g. `smtp.example.com`."),
        port: port(587).describe("The relay's port."),
        security: z
            .enum(["starttls", "tls"])
            .default("starttls")
            .describe("`starttls` (port 587) or `tls` (implicit TLS, port 465); the certificate is always verified."),
        username: z
            .string()
            .regex(/^[A-Za-z0-9._@+=:-]{1,256}$/, "must be 1-256 letters, digits and . _ @ + = : -")
            .optional()
            .describe("Optional: the login name at the relay (its password is the secret `alertSmtpPassword`); without it no login is attempted."),
        from: z.email("must be an email address").optional().describe("Required when email alerts are enabled: the sender address the relay accepts."),
        to: z.array(z.email("must be an email address")).max(20).default([]).describe("The recipients, up to 20; at least one is required when email alerts are enabled."),
    })
    .prefault({})
    .describe("Alerts by email.");

/** Alerts of the status job (render/monitoring/status/alerts.py). */
export const alertsSchema = z
    .strictObject({
        redAfterRuns: z.number().int().min(1).max(20).default(2).describe("Consecutive red runs before the red alert (no alert for one bad run)."),
        greenAfterRuns: z.number().int().min(1).max(20).default(2).describe("Consecutive runs that are not red before the all-clear."),
        heartbeat: z
            .boolean()
            .default(false)
            .describe("Send a daily message while everything is green, so silence can be told apart from a dead job (needs a channel)."),
        heartbeatHourUtc: z.number().int().min(0).max(23).default(8).describe("The UTC hour from which the daily heartbeat is sent."),
        timeoutSeconds: z.number().int().min(1).max(60).default(10).describe("Seconds a channel gets per message."),
        webhook: webhookSchema,
        email: emailSchema,
    })
    .prefault({})
    .describe("When the status job tells a person (red, all-clear, failed releases and backups, expiring certificates), and through which channels.");
