// The pooler's image, built on the server by `docker build` from pgbouncer.Dockerfile on
// images.pgbouncer (pinned by digest and held: it moves by a config change, not by the weekly
// re-pin, since a new pooler container drops every app's connections). Its tag is a hash of the
// base reference and the Dockerfile: a new base or Dockerfile is a new tag, and nothing else is.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { script, shq } from "../shell";

export const POOLER_DOCKERFILE = path.join(__dirname, "pgbouncer.Dockerfile");
/** A repository name no registry serves: the provider finds the tag locally and never pulls it. */
export const POOLER_REPOSITORY = "mhylle-local/pgbouncer";

export const poolerDockerfile = () => fs.readFileSync(POOLER_DOCKERFILE, "utf8");

/** The pooler image's tag for a base reference. */
export function poolerImage(base: string): string {
    const hash = createHash("sha256").update(base).update("\0").update(poolerDockerfile()).digest("hex").slice(0, 16);
    return `${POOLER_REPOSITORY}:${hash}`;
}

/** Builds the tag unless the server has it; the Dockerfile arrives on stdin (no build context is sent). */
export function buildPoolerImageScript(base: string): string {
    return script(
        `base=${shq(base)} tag=${shq(poolerImage(base))}`,
        'if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag is already built"; exit 0; fi',
        'docker image inspect "$base" >/dev/null 2>&1 || docker pull -q "$base" >/dev/null',
        'dockerfile=$(cat)',
        'docker build -q --build-arg "BASE=$base" -t "$tag" - <<<"$dockerfile" >/dev/null',
        'docker run --rm "$tag" --version',
        'echo "built $tag"',
    );
}
