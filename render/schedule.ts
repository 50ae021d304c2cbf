// Scheduled jobs on the server: scripts in <root>/bin, run from the deploy user's crontab through
// `run-job`, which logs each run and records its last result for monitoring.
import { installBundleScript, ServerFile } from "./bundle";
import { script, shq } from "./shell";

export interface ScheduledJob {
    /** Lower-case name; the script is bin/<name>.sh. */
    readonly name: string;
    /** Five-field cron expression, in UTC. */
    readonly schedule: string;
    /** Bash body of the job (strict mode is added). */
    readonly script: string;
    /**
     * Jobs of one queue run one after another, never side by side: the second waits for the first
     * (the restore drills each start a throwaway PostgreSQL; two at once on a 4 GB server could
     * push the live one out of memory).
     */
    readonly queue?: string;
}

/** How long a queued job waits for the one before it before it gives up (exit 75, as a skipped run). */
export const QUEUE_WAIT_SECONDS = 3 * 3600;

/** A queue's lock file, under the platform root (a command may take it too: restore-database). */
export const queueLockPath = (queue: string) => `${JOB_STATE_DIR}/queue-${queue}.lock`;

/** The lines a queued job starts with: wait for the queue's lock, hold it to the end. */
function queueLines(root: string, queue: string): string[] {
    const lock = `${root}/${queueLockPath(queue)}`;
    // Also run by hand (bin/<name>.sh) before run-job has made the folder.
    return [
        `mkdir -p ${shq(`${root}/${JOB_STATE_DIR}`)}`,
        `exec 8>${shq(lock)}`,
        `flock -w ${QUEUE_WAIT_SECONDS} 8 || { echo ${shq(`waited ${QUEUE_WAIT_SECONDS}s for the ${queue} queue; skipped`)}; exit 75; }`,
    ];
}

/** A script installed beside the jobs and run by hand over SSH (e.g. restore, platform-status). */
export interface BinCommand {
    /** File name in <root>/bin, without extension. */
    readonly name: string;
    /** Bash body (strict mode is added), or with `python3` the whole program, shebang included. */
    readonly script: string;
    readonly language?: "bash" | "python3";
}

export const BIN_DIR = "bin";
export const JOB_LOGS_DIR = "logs/jobs";
/** <root>/state/jobs/<name>.status holds `<exit code> <unix time> <seconds taken>` of the last run. */
export const JOB_STATE_DIR = "state/jobs";
export const CRON_BEGIN = "# BEGIN mhylle-platform jobs (managed by pulumi; edits are overwritten)";
export const CRON_END = "# END mhylle-platform jobs";

const JOB_NAME = /^[a-z][a-z0-9-]*$/;

/** The runner every cron line calls: logs output with timestamps, records the result, never overlaps. */
export function runJobScript(root: string): string {
    return script(
        `root=${shq(root)}`,
        'name="${1:?usage: run-job NAME}"',
        'mkdir -p "$root/' + JOB_LOGS_DIR + '" "$root/' + JOB_STATE_DIR + '"',
        'log="$root/' + JOB_LOGS_DIR + '/$name.log"',
        'start=$(date +%s)',
        "set +e",
        // flock: a slow run is never overlapped by the next one.
        '( flock -n 9 || { echo "previous $name run still going; skipped"; exit 75; }; "$root/' + BIN_DIR + '/$name.sh" ) 9>"$root/' + JOB_STATE_DIR + '/$name.lock" 2>&1 | while IFS= read -r line; do printf \'%s %s\\n\' "$(date -u +%FT%TZ)" "$line"; done >> "$log"',
        "code=${PIPESTATUS[0]}",
        "set -e",
        'printf \'%s %s %s\\n\' "$code" "$(date +%s)" "$(( $(date +%s) - start ))" > "$root/' + JOB_STATE_DIR + '/$name.status"',
        // Keep job logs bounded: the last 5000 lines.
        'tail -n 5000 "$log" > "$log.tmp" && mv -f "$log.tmp" "$log"',
        'exit "$code"',
    );
}

export function jobFiles(root: string, jobs: readonly ScheduledJob[], commands: readonly BinCommand[] = []): ServerFile[] {
    for (const j of [...jobs, ...commands]) if (!JOB_NAME.test(j.name) || j.name === "run-job") throw new Error(`bad job or command name ${JSON.stringify(j.name)}`);
    for (const j of jobs) if (j.queue !== undefined && !JOB_NAME.test(j.queue)) throw new Error(`bad job queue ${JSON.stringify(j.queue)}`);
    return [
        { path: "run-job", content: "#!/usr/bin/env bash\n" + runJobScript(root), mode: "0755" },
        ...jobs.map((j) => ({ path: `${j.name}.sh`, content: "#!/usr/bin/env bash\n" + script(...(j.queue ? queueLines(root, j.queue) : []), j.script), mode: "0755" })),
        ...commands.map((c) => ({ path: c.name, content: c.language === "python3" ? c.script : "#!/usr/bin/env bash\n" + script(c.script), mode: "0755" })),
    ];
}

/** Lists the files of <root>/bin the platform installed: the only ones install and destroy ever delete. */
export const BIN_MANIFEST = "state/bin-files";

/**
 * The platform's crontab block. cron hands the command to /bin/sh, so the runner's path is quoted;
 * a "%" (cron's newline) or a line break could never be quoted and is refused outright.
 */
export function crontabBlock(root: string, jobs: readonly ScheduledJob[]): string {
    const runner = shq(`${root}/${BIN_DIR}/run-job`);
    if (/[%\n\r]/.test(runner)) throw new Error(`platform root ${JSON.stringify(root)} cannot go in a crontab line`);
    return [CRON_BEGIN, "CRON_TZ=UTC", ...jobs.map((j) => `${j.schedule} ${runner} ${j.name}`), CRON_END].join("\n") + "\n";
}

/** Bash lines setting $bin and $manifest; `manifest_files` prints the listed names that are plain file names. */
function binVars(root: string): string[] {
    return [
        `bin=${shq(`${root}/${BIN_DIR}`)}`,
        `manifest=${shq(`${root}/${BIN_MANIFEST}`)}`,
        `manifest_files() { [ -f "$manifest" ] || return 0; while IFS= read -r f; do case "$f" in ""|.|..|*/*) ;; *) printf '%s\\n' "$f" ;; esac; done < "$manifest"; }`,
    ];
}

/** Installs the job scripts (bundle on stdin) and replaces the platform's block in the crontab. */
/** @param cron false installs the scripts without touching the crontab (run them with run-job). */
export function installJobsScript(root: string, jobs: readonly ScheduledJob[], commands: readonly BinCommand[] = [], cron = true): string {
    const block = crontabBlock(root, jobs);
    const files = ["run-job", ...jobs.map((j) => `${j.name}.sh`), ...commands.map((c) => c.name)];
    return script(
        installBundleScript(),
        ...binVars(root),
        'install_bundle "$bin"',
        // Scripts of removed jobs go too, but only files an earlier install listed: whatever else is
        // in the folder is not the platform's to delete.
        `keep=${shq(` ${files.join(" ")} `)}`,
        'manifest_files | while IFS= read -r f; do case "$keep" in *" $f "*) ;; *) rm -f -- "$bin/$f" ;; esac; done',
        'mkdir -p "$(dirname "$manifest")"',
        `printf '%s\\n' ${files.map(shq).join(" ")} > "$manifest.tmp" && mv -f "$manifest.tmp" "$manifest"`,
        ...(cron
            ? [
                  "if command -v crontab >/dev/null; then",
                  `  current=$(crontab -l 2>/dev/null | sed '/^${CRON_BEGIN.replace(/[()/]/g, ".")}$/,/^${CRON_END}$/d' || true)`,
                  `  printf '%s\\n%s' "$current" ${shq(block)} | sed '/./,$!d' | crontab -`,
                  '  echo "crontab updated"',
                  "else",
                  '  echo "warning: no crontab on this host; jobs are installed but not scheduled" >&2',
                  "fi",
              ]
            : [`echo ${shq(`jobs installed in ${root}/${BIN_DIR}, not scheduled (local.cron is false); run one with ${root}/${BIN_DIR}/run-job NAME`)}`]),
    );
}

/** Takes the platform's block out of the crontab and its own scripts out of <root>/bin (on destroy). */
export function removeJobsScript(root: string): string {
    return script(
        "if command -v crontab >/dev/null; then",
        `  rest=$(crontab -l 2>/dev/null | sed '/^${CRON_BEGIN.replace(/[()/]/g, ".")}$/,/^${CRON_END}$/d' || true)`,
        // An empty crontab is removed rather than left as a blank line.
        `  if [ -n "$(printf '%s' "$rest" | tr -d '[:space:]')" ]; then printf '%s\\n' "$rest" | crontab -; else crontab -r 2>/dev/null || true; fi`,
        '  echo "platform jobs removed from the crontab"',
        "fi",
        // Only the files the platform installed; the folder goes if that leaves it empty.
        ...binVars(root),
        'manifest_files | while IFS= read -r f; do rm -f -- "$bin/$f"; done',
        'rm -f "$manifest"',
        'rmdir "$bin" 2>/dev/null || true',
    );
}
