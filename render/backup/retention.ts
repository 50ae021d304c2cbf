// Which backups to keep: the newest of each of the last `keepDaily` days that have a backup, and
// the newest of each of the last `keepWeekly` ISO weeks that have one (restic's --keep-daily /
// --keep-weekly). Counting days that HAVE backups, not calendar days, means a backup job that
// stopped for a month never lets retention delete the last good dumps.
// The TypeScript and the bash below implement the same rule; tests run both on the same files.
import { BACKUP_FILE, BACKUP_FILE_ERE, STAMP } from "./layout";
import { ROWS_SUFFIX } from "./dump-manifest";

export interface Retention {
    readonly keepDaily: number;
    readonly keepWeekly: number;
}

/** ISO 8601 week of a UTC date, e.g. "2026-W48" (weeks start on Monday; week 1 holds a Thursday). */
export function isoWeek(d: Date): string {
    const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7)); // the Thursday of this week decides the year
    const year = t.getUTCFullYear();
    const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
    return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The UTC time in a backup file name, or undefined for a name retention must not touch. */
export function backupTime(name: string): Date | undefined {
    const m = BACKUP_FILE.exec(name);
    const s = m && STAMP.exec(m[2]);
    if (!s) return undefined;
    const [y, mo, d, h, mi, se] = s.slice(1).map(Number);
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
    // Reject 20261340T..., which Date would silently roll over.
    return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && se < 60 ? t : undefined;
}

/** Files of ONE backup folder to delete; names that are not backups are never selected. */
export function selectForDeletion(names: readonly string[], r: Retention): string[] {
    const dated = names.flatMap((n) => {
        const t = backupTime(n);
        return t ? [{ n, t }] : [];
    });
    dated.sort((a, b) => b.t.getTime() - a.t.getTime() || (a.n < b.n ? 1 : -1)); // newest first
    const days = new Set<string>();
    const weeks = new Set<string>();
    const remove: string[] = [];
    for (const { n, t } of dated) {
        let keep = false;
        const day = t.toISOString().slice(0, 10);
        const week = isoWeek(t);
        if (!days.has(day) && days.size < r.keepDaily) (days.add(day), (keep = true));
        if (!weeks.has(week) && weeks.size < r.keepWeekly) (weeks.add(week), (keep = true));
        if (!keep) remove.push(n);
    }
    return remove.sort();
}

/**
 * Bash function `prune_backups DIR KEEP_DAILY KEEP_WEEKLY [--dry-run]`: the same rule, on one
 * folder. Prints `removed FILE` (or `would remove FILE`) per file; unknown names are left alone.
 */
export function pruneFunction(): string {
    return `prune_backups() {
  local dir="$1" keep_daily="$2" keep_weekly="$3" dry="\${4:-}" name stamp day week keep
  local -A days=() weeks=()
  local n_days=0 n_weeks=0
  while IFS= read -r name; do
    stamp=\${name%.*}
    stamp=\${stamp##*_}
    day=\${stamp:0:4}-\${stamp:4:2}-\${stamp:6:2}
    # A date that does not exist (e.g. month 13) is not ours to judge: keep the file.
    week=$(date -u -d "$day \${stamp:9:2}:\${stamp:11:2}:\${stamp:13:2}" +%G-W%V 2>/dev/null) || continue
    [ "$(date -u -d "$day" +%F 2>/dev/null)" = "$day" ] || continue
    keep=0
    if [ -z "\${days[$day]:-}" ] && [ "$n_days" -lt "$keep_daily" ]; then days[$day]=1; n_days=$((n_days + 1)); keep=1; fi
    if [ -z "\${weeks[$week]:-}" ] && [ "$n_weeks" -lt "$keep_weekly" ]; then weeks[$week]=1; n_weeks=$((n_weeks + 1)); keep=1; fi
    [ "$keep" = 1 ] && continue
    if [ "$dry" = --dry-run ]; then echo "would remove $dir/$name"; else rm -f -- "\${dir:?}/$name" "\${dir:?}/$name${ROWS_SUFFIX}" && echo "removed $dir/$name"; fi
  done < <(find "$dir" -maxdepth 1 -type f -printf '%f\\n' | grep -E '${BACKUP_FILE_ERE}' | awk -F_ '{ print $NF "\\t" $0 }' | LC_ALL=C sort -r | cut -f2-)
}`;
}
