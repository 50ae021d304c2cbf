// One problem with stack config, printed as `FIELD: PROBLEM (got VALUE)`.
export interface Problem {
    readonly field: string;
    readonly problem: string;
    readonly got: unknown;
}

export function formatProblem(p: Problem): string {
    const got = p.got === undefined ? "nothing" : JSON.stringify(p.got);
    return `${p.field}: ${p.problem} (got ${got})`;
}

/** Thrown when stack config is refused; carries every problem at once. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly Problem[]) {
        super(`stack config has ${problems.length} problem(s):\n` + problems.map(formatProblem).join("\n"));
        this.name = "ConfigError";
    }
}
