// Field builders the schema's blocks share: each checks one kind of value and says what is wrong.
import { z } from "zod";
import { CRONTAB_FIELDS, cronProblem } from "../cron";
import { cspProblem } from "../field-checks";
import { hasTagOrDigest, IMAGE_REF } from "./patterns";

/** A string checked by a function that names what is wrong (undefined: fine). */
export const checked = (schema: z.ZodString, problem: (value: string) => string | undefined) =>
    schema.superRefine((value, ctx) => {
        const message = problem(value);
        if (message) ctx.addIssue({ code: "custom", message });
    });
/** A five-field crontab schedule (UTC) with its default. */
export const crontab = (example: string) => checked(z.string(), (v) => cronProblem(v, CRONTAB_FIELDS, example)).default(example);
export const cspValue = () => checked(z.string(), cspProblem);

export const imageRef = (hint: string) =>
    z
        .string()
        .regex(IMAGE_REF, `must be an image reference such as ${hint}`)
        .refine(hasTagOrDigest, `needs a tag or a digest, e.g. ${hint}`);
// Core images are pinned to a major version so Watchtower only brings compatible updates.
export const coreImage = (def: string) =>
    imageRef(def)
        .refine((ref) => !/:latest(@|$)/.test(ref), `must be pinned to a version, not :latest (e.g. ${def})`)
        .default(def);

export const memoryMb = (def: number) => z.number().int().min(16).max(65536).default(def);
export const port = (def: number) => z.number().int().min(1).max(65535).default(def);
/** A fraction of a percent with at most two decimals: the release script compares it in whole hundredths. */
export const hundredths = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;
/** A percentage of 5xx responses, compared in whole hundredths. */
export const percent5xx = (def: number) => z.number().min(0).max(100).refine(hundredths, "must have at most two decimals (e.g. 0.5 or 0.25)").default(def);
