// Cron expressions checked field by field, as the programs that read them do: the crontab's five
// fields (Debian's cron) and Watchtower's six (robfig/cron with seconds first). A shape regex lets
// through minute 75, a step of 0 or a schedule that never fires; these do not.

interface Field {
    readonly name: string;
    readonly min: number;
    readonly max: number;
}

const SECOND: Field = { name: "second", min: 0, max: 59 };
const MINUTE: Field = { name: "minute", min: 0, max: 59 };
const HOUR: Field = { name: "hour", min: 0, max: 23 };
const DAY: Field = { name: "day of month", min: 1, max: 31 };
const MONTH: Field = { name: "month", min: 1, max: 12 };

/** crontab(5): minute hour day month weekday, weekday 0-7 (0 and 7 are Sunday). */
export const CRONTAB_FIELDS: readonly Field[] = [MINUTE, HOUR, DAY, MONTH, { name: "day of week", min: 0, max: 7 }];
/** Watchtower (robfig/cron): second minute hour day month weekday, weekday 0-6. */
export const WATCHTOWER_FIELDS: readonly Field[] = [SECOND, MINUTE, HOUR, DAY, MONTH, { name: "day of week", min: 0, max: 6 }];

// Longest month (leap years included), for schedules that name only days a month never has.
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The values one field selects, or a problem in the user's words. */
function fieldValues(text: string, f: Field): number[] | string {
    const values = new Set<number>();
    for (const item of text.split(",")) {
        const m = /^(\*|([0-9]{1,2})(?:-([0-9]{1,2}))?)(?:\/([0-9]{1,2}))?$/.exec(item);
        if (!m) return `${f.name} field "${text}" is not cron syntax (numbers, a-b ranges, */n or a-b/n steps, comma lists)`;
        const [, , a, b, step] = m;
        if (a !== undefined && b === undefined && step !== undefined) return `${f.name} "${item}" puts a step on a single value; write ${a}-${f.max}/${step}`;
        const low = a === undefined ? f.min : Number(a);
        const high = a === undefined ? f.max : b === undefined ? low : Number(b);
        for (const v of [low, high]) if (v < f.min || v > f.max) return `${f.name} ${v} is out of range ${f.min}-${f.max}`;
        if (low > high) return `${f.name} range ${low}-${high} runs backwards; write ${high}-${low}`;
        const by = step === undefined ? 1 : Number(step);
        if (by === 0) return `${f.name} step 0 in "${item}" never advances; use a step of at least 1`;
        for (let v = low; v <= high; v += by) values.add(v);
    }
    return [...values];
}

/**
 * What is wrong with a cron expression for the given fields, or undefined when it is good.
 * @param example a good expression to show in the message
 */
export function cronProblem(expr: string, fields: readonly Field[], example: string): string | undefined {
    const parts = expr.split(" ");
    if (parts.some((p) => p === "") || /\s/.test(expr.replace(/ /g, ""))) return `must be ${fields.length} fields separated by single spaces, e.g. ${example}`;
    if (parts.length !== fields.length) {
        const what = fields === WATCHTOWER_FIELDS ? "Watchtower's schedule takes 6 fields, seconds first" : "a crontab schedule takes 5 fields (minute hour day month weekday)";
        return `has ${parts.length} fields but ${what}, e.g. ${example}`;
    }
    const selected: number[][] = [];
    for (const [i, text] of parts.entries()) {
        const values = fieldValues(text, fields[i]);
        if (typeof values === "string") return `${values}, e.g. ${example}`;
        selected.push(values);
    }
    // With the weekday unrestricted, cron runs on the listed days only: none may exist in any listed month.
    const day = fields.indexOf(DAY);
    if (parts[day + 2] === "*" && parts[day] !== "*") {
        const longest = Math.max(...selected[day + 1].map((m) => DAYS_IN_MONTH[m - 1]));
        if (Math.min(...selected[day]) > longest) return `never runs: no listed month has day ${Math.min(...selected[day])}; e.g. ${example}`;
    }
    return undefined;
}
