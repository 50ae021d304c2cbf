// The pooler's image, built on the server by `docker build` from pgbouncer.Dockerfile on
// images.pgbouncer (pinned by digest and held: it moves by a config change, not by the weekly
// re-pin, since a new pooler container drops every app's connections). Its tag is a hash of the
// base reference and the Dockerfile: a new base or Dockerfile is a new tag, and nothing else is.
import * as path from "node:path";
import { buildDerivedImageScript, derivedTag, dockerfileText, DerivedImageSpec } from "../derived-image";

export const POOLER_DOCKERFILE = path.join(__dirname, "pgbouncer.Dockerfile");
/** A repository name no registry serves: the provider finds the tag locally and never pulls it. */
export const POOLER_REPOSITORY = "mhylle-local/pgbouncer";

const POOLER_IMAGE: DerivedImageSpec = { repository: POOLER_REPOSITORY, tagPrefix: "", dockerfilePath: POOLER_DOCKERFILE, check: '"$tag" --version' };

export const poolerDockerfile = () => dockerfileText(POOLER_IMAGE);

/** The pooler image's tag for a base reference. */
export const poolerImage = (base: string) => derivedTag(POOLER_IMAGE, base);

/** Builds the tag unless the server has it (render/derived-image.ts). */
export const buildPoolerImageScript = (base: string) => buildDerivedImageScript(POOLER_IMAGE, base);
