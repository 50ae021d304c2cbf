// The derived PostgreSQL image with pgBackRest, built on the server by `docker build` from
// postgres-pgbackrest.Dockerfile on the pinned base (docs/engine-notes.md, "pgBackRest image").
// Its tag is a hash of the base reference and the Dockerfile: a new base digest or a changed
// Dockerfile is a new tag, so the build command and the container are replaced, and nothing else.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { script, shq } from "../shell";

export const PGBACKREST_DOCKERFILE = path.join(__dirname, "postgres-pgbackrest.Dockerfile");
/** A repository name no registry serves: the provider finds the tag locally and never pulls it. */
export const DERIVED_REPOSITORY = "mhylle-local/postgres-pgbackrest";

export const dockerfile = () => fs.readFileSync(PGBACKREST_DOCKERFILE, "utf8");

/** The derived image's tag for a base reference (e.g. postgres:15@sha256:...). */
export function derivedImage(base: string): string {
    const hash = createHash("sha256").update(base).update("\0").update(dockerfile()).digest("hex").slice(0, 16);
    return `${DERIVED_REPOSITORY}:15-${hash}`;
}

/**
 * Builds the tag unless the server has it; the Dockerfile arrives on stdin (`docker build -`: no
 * build context is sent). The base is pulled first so a pinned digest is honoured by either builder.
 */
export function buildImageScript(base: string): string {
    return script(
        `base=${shq(base)} tag=${shq(derivedImage(base))}`,
        'if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag is already built"; exit 0; fi',
        'docker image inspect "$base" >/dev/null 2>&1 || docker pull -q "$base" >/dev/null',
        'dockerfile=$(cat)',
        'docker build -q --build-arg "BASE=$base" -t "$tag" - <<<"$dockerfile" >/dev/null',
        'docker run --rm --entrypoint pgbackrest "$tag" version',
        'echo "built $tag"',
    );
}
