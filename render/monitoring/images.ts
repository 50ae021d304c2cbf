// Disk upkeep: every release and every re-pin leaves images behind on a 40 GB disk. The
// prune-images job removes the images no container uses (running or stopped: Docker's own rule
// for `image prune --all`), once older than the rollback window, so a rollback within the window
// finds its image still on the server.

/** The job's name: bin/prune-images.sh. */
export const PRUNE_IMAGES_JOB = "prune-images";

/**
 * Bash body of the job. Arguments, each `label=KEY` or `label=KEY=VALUE`, narrow what it may
 * remove to images with that label (Docker ANDs them with the age filter); nothing else is
 * accepted, so no argument can widen it. The scheduled run passes none: every unused old image.
 */
export function pruneImagesScript(keepDays: number): string {
    if (!Number.isInteger(keepDays) || keepDays < 1) throw new Error(`image keep days must be a whole number of at least 1, not ${keepDays}`);
    const hours = keepDays * 24;
    return [
        `filters=(--filter until=${hours}h)`,
        'for f in "$@"; do',
        '  case "$f" in',
        '    label=?*) filters+=(--filter "$f") ;;',
        `    *) echo "usage: ${PRUNE_IMAGES_JOB}.sh [label=KEY[=VALUE]]... (got $f)" >&2; exit 2 ;;`,
        "  esac",
        "done",
        `echo "removing images no container uses, created more than ${keepDays} days ago"`,
        'docker image prune --all --force "${filters[@]}"',
        'echo "disk left: $(df -h --output=avail / | tail -n 1 | tr -d \' \')"',
    ].join("\n");
}
