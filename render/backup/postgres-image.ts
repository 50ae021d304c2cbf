// The derived PostgreSQL image with pgBackRest, built on the server by `docker build` from
// postgres-pgbackrest.Dockerfile on the pinned base (docs/engine-notes.md, "pgBackRest image").
// Its tag is a hash of the base reference and the Dockerfile: a new base digest or a changed
// Dockerfile is a new tag, so the build command and the container are replaced, and nothing else.
import * as path from "node:path";
import { buildDerivedImageScript, derivedTag, dockerfileText, DerivedImageSpec } from "../derived-image";

export const PGBACKREST_DOCKERFILE = path.join(__dirname, "postgres-pgbackrest.Dockerfile");
/** A repository name no registry serves: the provider finds the tag locally and never pulls it. */
export const DERIVED_REPOSITORY = "mhylle-local/postgres-pgbackrest";

const PGBACKREST_IMAGE: DerivedImageSpec = { repository: DERIVED_REPOSITORY, tagPrefix: "15-", dockerfilePath: PGBACKREST_DOCKERFILE, check: '--entrypoint pgbackrest "$tag" version' };

export const dockerfile = () => dockerfileText(PGBACKREST_IMAGE);

/** The derived image's tag for a base reference (e.g. postgres:15@sha256:...). */
export const derivedImage = (base: string) => derivedTag(PGBACKREST_IMAGE, base);

/** Builds the tag unless the server has it (render/derived-image.ts). */
export const buildImageScript = (base: string) => buildDerivedImageScript(PGBACKREST_IMAGE, base);
