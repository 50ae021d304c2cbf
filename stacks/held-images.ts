// Images that `up` does not re-pin. Every core image is pinned to its tag's current digest at each
// `up`, the weekly scheduled one included, so patch releases arrive unreviewed. That is the point
// for nginx or PostgreSQL; not for Watchtower, which holds the Docker socket (root on the server):
// a new digest behind its tag would run with that power without anyone having looked. So its
// digest is held at the one the stack's last `up` ran, read back from the `heldImages` stack
// output, for as long as `images.watchtower` names the same reference: moving it is a config
// change (a new tag, or a digest), reviewed like any other. The pooler's base is held too: a new
// pooler container drops every app's database connections (README, "PostgreSQL image changes").
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import type { ImageToPin } from "./preflight";
import { ownOutput } from "./server-count";

/** Config fields of the images held: those with the Docker socket, and the pooler's base. */
export const HELD_IMAGE_FIELDS = ["images.watchtower", "images.pgbouncer"] as const;

export type HeldImages = Readonly<Record<string, string>>;

/** Images are held on the server's target only (the local one has no weekly `up`), with Watchtower running. */
export const holdsImages = (cfg: PlatformConfig) => cfg.target === "scaleway" && cfg.autoUpdater.enabled;

/** What this `up` exports as `heldImages`: the pinned reference of each held image it runs. */
export function heldImagesOutput(cfg: PlatformConfig, pinned: Readonly<Record<string, string>>): HeldImages | undefined {
    if (!holdsImages(cfg)) return undefined;
    return Object.fromEntries(HELD_IMAGE_FIELDS.filter((f) => pinned[f]).map((f) => [f, pinned[f]]));
}

/** An image config names by tag whose pin may be held. */
export const heldCandidate = (i: ImageToPin) => (HELD_IMAGE_FIELDS as readonly string[]).includes(i.field) && !i.image.includes("@sha256:");

/**
 * The images to pin, with each held one replaced by the last `up`'s pin when config still names
 * the same reference (the tag the pin was made from); a changed reference is pinned afresh.
 */
export function holdImages(images: readonly ImageToPin[], previous: HeldImages | undefined): ImageToPin[] {
    return images.map((i) => {
        const before = previous?.[i.field];
        const held = heldCandidate(i) && before?.startsWith(`${i.image}@sha256:`);
        return held ? { ...i, image: before! } : i;
    });
}

/** The last `up`'s `heldImages`, read through the reference to the stack itself (stacks/server-count.ts `ownStack`). */
export function ownHeldImages(self: pulumi.StackReference): Promise<HeldImages | undefined> {
    return ownOutput(self, "heldImages").then((value) => {
        const v = value as Record<string, unknown> | undefined;
        if (!v || typeof v !== "object") return undefined;
        return Object.fromEntries(Object.entries(v).filter(([, ref]) => typeof ref === "string" && /@sha256:[a-f0-9]{64}$/.test(ref))) as HeldImages;
    });
}
