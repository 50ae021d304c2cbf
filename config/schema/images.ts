// images, registries and autoUpdater: which core images run, how private registries are logged in
// to, and how Watchtower updates images within their version line.
import { z } from "zod";
import { cronProblem, WATCHTOWER_FIELDS } from "../cron";
import { postgresImageProblem } from "../postgres-names";
import { checked, coreImage, memoryMb } from "./fields";

export const imagesSchema = z
    .strictObject({
        // The line the tests run (local/nginx:1.30, tests/support/images/build-nginx.sh): move both together.
        nginx: coreImage("nginx:1.30").describe("The nginx image, on the version line the tests run."),
        // The data volume holds PostgreSQL 15's format: another major needs a dump and restore.
        postgres: coreImage("postgres:15")
            .superRefine((image, ctx) => {
                const message = postgresImageProblem(image);
                if (message) ctx.addIssue({ code: "custom", message });
            })
            .describe(
                "The PostgreSQL image, which must be PostgreSQL 15 by its tag (`15`, `15.x`, `15-alpine`, `15.x-bookworm`, optionally `@sha256:`); another major needs docs/runbooks/upgrade-postgres.md.",
            ),
        // The pooler is built on it (render/database/pgbouncer.Dockerfile): its apt must offer PgBouncer 1.21+.
        pgbouncer: coreImage("postgres:15").describe(
            "The base the PgBouncer image is built on, on the server (its apt must offer PgBouncer 1.21+: the official postgres image lists the PostgreSQL project's repository). Held like Watchtower's: it moves by a config change, not by the weekly re-pin, since a new pooler drops every app's connections.",
        ),
        watchtower: coreImage("nickfedor/watchtower:1").describe("The Watchtower image that updates images within their version line."),
        certbot: coreImage("certbot/certbot:v3.3.0").describe("The certbot image that issues and renews certificates."),
    })
    .prefault({})
    .describe("Pinned core images: never `:latest`, each pinned to its tag's digest at every `up`, and Watchtower updates only within the tag's line.");

const credentialSchema = z.strictObject({
    // Never starting with "-": docker would read it as an option.
    server: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]*(:[0-9]+)?$/, "must be a registry host such as ghcr.io")
        .max(259)
        .describe("Required: the registry host, e.g. `ghcr.io`."),
    username: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a registry user name (letters, digits, . _ -, not starting with -)")
        .max(256)
        .describe("Required: the user name at the registry (letters, digits, `. _ -`, not starting with `-`)."),
    tokenKey: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]*$/, "must be a config key name such as ghcrToken")
        .max(100)
        .describe(
            "Required: the name of the secret config key holding the token, e.g. `ghcrToken` (`pulumi config set --secret ghcrToken <token>`); never a platform secret, a config field or another login's key.",
        ),
});

export const registriesSchema = z
    .strictObject({
        resolveDigests: z.boolean().default(true).describe("Ask the registry for each tag's digest at preview, so a new digest shows as a release."),
        credentials: z.array(credentialSchema).default([]).describe("Logins for private registries, one per registry."),
    })
    .prefault({})
    .describe("Where app images come from.");

export const autoUpdaterSchema = z
    .strictObject({
        enabled: z.boolean().default(true).describe("Run Watchtower, which updates the core images (and apps with `watchtower: true`) within their version line."),
        memoryMb: memoryMb(64).describe("Watchtower's memory limit in MiB."),
        schedule: checked(z.string(), (v) => cronProblem(v, WATCHTOWER_FIELDS, "0 0 */6 * * *"))
            .default("0 0 */6 * * *")
            .describe("When Watchtower looks for updates: a six-field cron, seconds first, each field in range (weekday 0-6)."),
        scope: z
            .string()
            .regex(/^[a-z0-9-]+$/, "must be lower-case letters, digits and hyphens")
            .max(63)
            .default("mhylle")
            .describe("The Watchtower scope: only containers labelled with it are touched."),
    })
    .prefault({})
    .describe("Watchtower, the automatic image updater.");
