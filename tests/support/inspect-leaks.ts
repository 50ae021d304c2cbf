// What of a set of secrets a text shows (`docker inspect` JSON, a log): each value (in the JSON's
// decoded strings, so escaping cannot hide one), its base64, and its plain marker (wtsS1, wtsP1: a
// marker survives any encoding that keeps ASCII).
/** Every string in a JSON value (keys too), decoded. */
const strings = (v: unknown): string[] =>
    typeof v === "string" ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]) : [];

export function leaks(raw: string, secrets: Record<string, string>): string[] {
    const found: string[] = [];
    let decoded: string[];
    try {
        decoded = strings(JSON.parse(raw));
    } catch {
        decoded = [raw];
    }
    for (const [name, value] of Object.entries(secrets)) {
        const marker = /wts[A-Z]\d/.exec(value)?.[0];
        if (decoded.some((s) => s.includes(value)) || raw.includes(value)) found.push(`${name}'s value`);
        if (raw.includes(Buffer.from(value).toString("base64"))) found.push(`${name}'s base64`);
        if (marker && raw.includes(marker)) found.push(`${name}'s marker ${marker}`);
    }
    return found;
}
