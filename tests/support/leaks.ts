// Leak checks: the exact passwords the mocks generated (tools/record.ts, mockPassword), searched for
// in full in everything rendered. A regex for a name-shaped value misses a value cut to its length.
import { MOCK_PASSWORD_PREFIX, mockPassword, RANDOM_PASSWORD } from "../../tools/record";

/** A resource as recorded in process (with the mock state the program saw) or as listed in resources.json. */
export interface Listed {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly state?: Record<string, unknown>;
}

/** Each generated password: its resource's name → its exact value (the state the program saw, else computed from name and length). */
export function generatedPasswords(resources: readonly Listed[]): Map<string, string> {
    const values = new Map<string, string>();
    for (const r of resources.filter((x) => x.type === RANDOM_PASSWORD)) {
        const value = r.state?.result ?? mockPassword(r.name, r.inputs.length);
        if (typeof value !== "string" || value.length < 16) throw new Error(`${r.name}: no usable generated value (${String(value)})`);
        values.set(r.name, value);
    }
    return values;
}

/** Every place one of the values (or any mock password's prefix) appears, as `file: resource`. */
export function leaksIn(texts: readonly { file: string; text: string }[], values: ReadonlyMap<string, string>): string[] {
    const leaks: string[] = [];
    for (const { file, text } of texts) {
        for (const [name, value] of values) if (text.includes(value)) leaks.push(`${file}: ${name}`);
        if (text.includes(MOCK_PASSWORD_PREFIX) && ![...values.values()].some((v) => text.includes(v))) leaks.push(`${file}: part of a generated password`);
    }
    return leaks;
}
