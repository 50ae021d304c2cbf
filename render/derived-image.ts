// An image derived from a pinned base, built on the server by `docker build` from a Dockerfile that
// arrives on stdin (no build context is sent). Its tag is a hash of the base reference and the
// Dockerfile: a new base or Dockerfile is a new tag, and nothing else is. Used for PostgreSQL with
// pgBackRest (render/backup/postgres-image.ts) and the pooler (render/database/pooler-image.ts).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { script, shq } from "./shell";

export interface DerivedImageSpec {
    /** A repository name no registry serves: the provider finds the tag locally and never pulls it. */
    readonly repository: string;
    /** Before the hash in the tag (e.g. "15-"). */
    readonly tagPrefix: string;
    /** The Dockerfile's path; its text is hashed and sent on stdin. */
    readonly dockerfilePath: string;
    /** `docker run --rm` words that show the built tool answers ("$tag" is the tag). */
    readonly check: string;
}

export const dockerfileText = (d: DerivedImageSpec) => fs.readFileSync(d.dockerfilePath, "utf8");

/** The derived image's tag for a base reference (e.g. postgres:15@sha256:...). */
export function derivedTag(d: DerivedImageSpec, base: string): string {
    const hash = createHash("sha256").update(base).update("\0").update(dockerfileText(d)).digest("hex").slice(0, 16);
    return `${d.repository}:${d.tagPrefix}${hash}`;
}

/**
 * Builds the tag unless the server has it. The base is pulled first so a pinned digest is honoured
 * by either builder.
 */
export function buildDerivedImageScript(d: DerivedImageSpec, base: string): string {
    return script(
        `base=${shq(base)} tag=${shq(derivedTag(d, base))}`,
        'if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag is already built"; exit 0; fi',
        'docker image inspect "$base" >/dev/null 2>&1 || docker pull -q "$base" >/dev/null',
        'dockerfile=$(cat)',
        'docker build -q --build-arg "BASE=$base" -t "$tag" - <<<"$dockerfile" >/dev/null',
        `docker run --rm ${d.check}`,
        'echo "built $tag"',
    );
}
