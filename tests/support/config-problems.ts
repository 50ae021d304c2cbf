// What validation says of a raw stack config, for tests: its problem lines, or that one field is refused.
import assert from "node:assert/strict";
import { validateConfig } from "../../config/validate";
import { ConfigError, formatProblem } from "../../config/problem";

/** The `FIELD: PROBLEM (got VALUE)` lines validation gives (none for a valid config). */
export function problems(raw: unknown): string[] {
    try {
        validateConfig(raw);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err.problems.map(formatProblem);
    }
}

/** Validation refuses `field` with a line matching `pattern`, ending with the bad value. */
export function refuses(raw: unknown, field: string, pattern: RegExp) {
    const lines = problems(raw);
    const line = lines.find((l) => l.startsWith(`${field}: `));
    assert.ok(line, `expected a problem for ${field}, got:\n${lines.join("\n") || "(none)"}`);
    assert.match(line, pattern);
    assert.match(line, / \(got .+\)$/, "every line ends with the bad value");
}
