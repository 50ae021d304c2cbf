// npx tsx tools/release-request.ts --stack NAME [--request JSON] [--pin] [--github-output FILE]
// The first step of the release workflow: checks a repository_dispatch payload from an app
// repository against the app catalogue before any Pulumi command runs. Prints the image reference
// to release, or one `FIELD: PROBLEM (got VALUE)` line per problem and exits 2.
// The payload comes from --request or the RELEASE_REQUEST variable (the workflow passes it
// through env, never through the shell's command text). Its `proof`, an OIDC token of the app's
// repository, must show that the app's apps[].repository sent it (tools/release-proof.ts);
// GITHUB_REPOSITORY names this platform repository in the audience it must carry.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatFileProblem, readStackFile, StackFileError } from "../config/stack-file";
import { validateConfig } from "../config/validate";
import { ConfigError, Problem, formatProblem } from "../config/problem";
import { IMAGE_REF } from "../config/schema";
import type { PlatformConfig } from "../config/schema";
import type { ServiceKind } from "../config/naming";
import { pinImage } from "../config/release-pin";
import { loadJwks, releaseAudience, releaseProofProblems } from "./release-proof";

export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const SERVICES: readonly ServiceKind[] = ["frontend", "backend"];
const FIELDS = ["app", "service", "image", "digest", "source", "proof"];
// Free text for the release commit message, e.g. "mhylle/app1@3f2a1c0" or a run URL.
const SOURCE = /^[A-Za-z0-9._\/@:#+-]{1,200}$/;

export interface Release {
    readonly app: string;
    readonly service: ServiceKind;
    /** What to run: the catalogue's repository (plus the payload's tag) pinned by digest. */
    readonly image: string;
    readonly digest: string;
    readonly source?: string;
    /** Where the image lives in stack config, for `pulumi config set --path`. */
    readonly configPath: string;
}

/** Repository part of an image reference: no digest, no tag (a registry port is kept). */
export function repositoryOf(ref: string): string {
    const noDigest = ref.split("@")[0];
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

const tagOf = (ref: string) => ref.split("@")[0].slice(repositoryOf(ref).length + 1);

/** Checks a payload against the catalogue; returns the release or every problem at once. */
export function resolveRelease(payload: unknown, cfg: PlatformConfig, stack: string): { release?: Release; problems: Problem[] } {
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
        return { problems: [{ field: "(root)", problem: 'must be a JSON object such as {"app":"app1","service":"backend","digest":"sha256:<64 hex>"}', got: payload }] };
    }
    const p = payload as Record<string, unknown>;
    const problems: Problem[] = [];
    for (const key of Object.keys(p).filter((k) => !FIELDS.includes(k))) {
        problems.push({ field: key, problem: `is not a known field; the payload takes ${FIELDS.join(", ")}`, got: p[key] });
    }

    const known = cfg.apps.map((a) => a.name);
    const app = cfg.apps.find((a) => a.name === p.app);
    if (typeof p.app !== "string" || p.app === "") {
        problems.push({ field: "app", problem: `is required: the app's name in the catalogue (one of: ${known.join(", ") || "none"})`, got: p.app });
    } else if (!app) {
        problems.push({ field: "app", problem: `is not in the app catalogue of stack ${stack}; add it to Pulumi.${stack}.yaml first (known: ${known.join(", ") || "none"})`, got: p.app });
    } else if (app.watchtower) {
        problems.push({ field: "app", problem: "is updated by Watchtower (watchtower: true), which a digest pin would stop; set watchtower: false to release it here", got: p.app });
    }

    const service = SERVICES.find((s) => s === p.service);
    if (!service) problems.push({ field: "service", problem: `must be one of: ${SERVICES.map((s) => JSON.stringify(s)).join(", ")}`, got: p.service });

    if (typeof p.digest !== "string" || !DIGEST.test(p.digest)) {
        problems.push({ field: "digest", problem: "must be sha256: followed by 64 lower-case hex digits, as `docker buildx build` or `docker inspect` reports it", got: p.digest });
    }

    const current = app && service ? app[service].image : undefined;
    if (p.image !== undefined) {
        if (typeof p.image !== "string" || !IMAGE_REF.test(p.image) || p.image.includes("@")) {
            problems.push({ field: "image", problem: "must be an image reference without a digest, such as ghcr.io/owner/app1-backend:1.4.0 (the digest goes in digest)", got: p.image });
        } else if (current && repositoryOf(p.image) !== repositoryOf(current)) {
            // An app repository may release new builds, not point the platform at another repository.
            problems.push({ field: "image", problem: `must be the catalogue's repository ${repositoryOf(current)}; change the repository by pull request`, got: p.image });
        }
    }

    if (p.source !== undefined && (typeof p.source !== "string" || !SOURCE.test(p.source))) {
        problems.push({ field: "source", problem: "must be a short reference such as owner/repo@commit (letters, digits and ._/@:#+-)", got: p.source });
    }

    if (problems.length || !app || !service || !current) return { problems };
    const digest = p.digest as string;
    const tag = typeof p.image === "string" ? tagOf(p.image) : "";
    const image = `${repositoryOf(current)}${tag ? `:${tag}` : ""}@${digest}`;
    const index = cfg.apps.indexOf(app);
    const source = typeof p.source === "string" ? p.source : undefined;
    return { release: { app: app.name, service, image, digest, source, configPath: `apps[${index}].${service}.image` }, problems };
}

function usage(message: string): never {
    console.error(`${message}\nusage: npx tsx tools/release-request.ts --stack NAME [--request JSON] [--pin] [--github-output FILE]`);
    process.exit(64);
}

function parseArgs(argv: string[]): { stack: string; request?: string; pin: boolean; githubOutput?: string } {
    const args: Record<string, string> = {};
    let pin = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--pin") pin = true;
        else if (["--stack", "--request", "--github-output"].includes(argv[i]) && argv[i + 1] !== undefined) args[argv[i].slice(2)] = argv[++i];
        else usage(`unknown argument or missing value: ${argv[i]}`);
    }
    if (!args.stack) usage("--stack NAME is required");
    return { stack: args.stack, request: args.request ?? process.env.RELEASE_REQUEST, pin, githubOutput: args["github-output"] };
}

function fail(problems: readonly Problem[]): never {
    for (const p of problems) console.error(formatProblem(p));
    process.exit(2);
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const file = path.join(process.cwd(), `Pulumi.${args.stack}.yaml`);
    if (!fs.existsSync(file)) usage(`no such stack config: ${file}`);
    if (!args.request) fail([{ field: "(root)", problem: "no release request: pass --request JSON or set RELEASE_REQUEST", got: undefined }]);

    let payload: unknown;
    try {
        payload = JSON.parse(args.request);
    } catch (err) {
        fail([{ field: "(root)", problem: `is not valid JSON: ${(err as Error).message}`, got: args.request }]);
    }
    let cfg: PlatformConfig;
    try {
        cfg = validateConfig(readStackFile(file, path.basename(file)).raw);
    } catch (err) {
        if (err instanceof ConfigError) fail(err.problems);
        if (err instanceof StackFileError) {
            for (const p of err.problems) console.error(formatFileProblem(p));
            process.exit(2);
        }
        throw err;
    }
    const { release, problems } = resolveRelease(payload, cfg, args.stack);
    if (!release) fail(problems);
    // Who sent it, before anything is written: only the app's own repository may release it.
    const platform = process.env.GITHUB_REPOSITORY;
    if (!platform) usage("GITHUB_REPOSITORY (this platform repository, owner/name) is not set; GitHub Actions sets it");
    const index = cfg.apps.findIndex((a) => a.name === release.app);
    const expected = { repository: cfg.apps[index].repository, repositoryId: cfg.apps[index].repositoryId, branch: cfg.apps[index].releaseBranch, audience: releaseAudience(platform, release.app, release.service, release.digest), appField: `apps[${index}]` };
    const sender = releaseProofProblems((payload as Record<string, unknown>).proof, expected, await loadJwks());
    if (sender.length) fail(sender);

    if (args.pin) fs.writeFileSync(file, pinImage(fs.readFileSync(file, "utf8"), release.app, release.service, release.image));
    if (args.githubOutput) {
        const lines = { app: release.app, service: release.service, image: release.image, "config-path": release.configPath, source: release.source ?? "" };
        fs.appendFileSync(args.githubOutput, Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(""));
    }
    console.log(release.image);
}

if (require.main === module)
    main().catch((err) => {
        console.error(`release-request: ${(err as Error).message}`);
        process.exit(1);
    });
