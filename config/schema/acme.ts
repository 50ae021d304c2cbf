// acme: Let's Encrypt certificates for the domain and its aliases (certbot on the server).
import { z } from "zod";

export const acmeSchema = z
    .strictObject({
        email: z
            .email("must be an email address")
            .refine((e) => !e.startsWith("-"), "starts with -, which certbot would read as an option; use the address without it")
            .optional()
            .describe("Required when `acme.enabled` is true: the Let's Encrypt account email that gets expiry notices (not starting with `-`)."),
        directory: z
            .string()
            .refine((d) => d === "production" || d === "staging" || /^https:\/\/[^\s'"\\]+$/.test(d), "must be production, staging or an https:// ACME directory URL")
            .default("staging")
            .describe("Where certificates come from: `production`, `staging` or an `https://` ACME directory URL."),
        enabled: z.boolean().default(false).describe("Request real certificates (`false`: self-signed only)."),
        warnDays: z.number().int().min(1).max(89).default(14).describe("The daily expiry check fails when a certificate has fewer days left than this."),
    })
    .prefault({})
    .describe("Let's Encrypt certificates for the domain and its aliases.");
