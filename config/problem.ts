// One problem with stack config, printed as `FIELD: PROBLEM (got VALUE)`.
export interface Problem {
    readonly field: string;
    readonly problem: string;
    readonly got: unknown;
}

/** Longest value shown after "got": a 5,000-character CSP would bury the problem itself. */
const MAX_SHOWN = 160;

export function formatProblem(p: Problem): string {
    let got = p.got === undefined ? "nothing" : JSON.stringify(p.got) ?? String(p.got);
    if (got.length > MAX_SHOWN) got = `${got.slice(0, MAX_SHOWN)}… (${got.length} characters)`;
    return `${p.field}: ${p.problem} (got ${got})`;
}

/** Thrown when stack config is refused; carries every problem at once. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly Problem[]) {
        super(`stack config has ${problems.length} problem(s):\n` + problems.map(formatProblem).join("\n"));
        this.name = "ConfigError";
    }
}
