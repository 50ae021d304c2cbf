// An app's `env` is plain config: it sits in the stack file (usually in git) and in Pulumi state
// in clear. A value that is a secret belongs in `secretEnv` instead, which names a secret config
// key (`pulumi config set --secret`). Refused: a variable named like a secret, a URL with a
// password in it, and a value that looks like a generated token or a key.

/** Name segments that say the value is a secret (PUBLIC_KEY and KEY_ID excepted below). */
const SECRET_WORDS = new Set(["PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "SECRETS", "TOKEN", "APIKEY", "PRIVATE", "CREDENTIAL", "CREDENTIALS", "KEY", "DSN"]);
/** A last segment that says the value is about a secret, not the secret: a lifetime, a file path, an id. */
const ABOUT_A_SECRET = new Set(["FILE", "PATH", "DIR", "TTL", "SECONDS", "MINUTES", "HOURS", "DAYS", "EXPIRY", "EXPIRES", "LENGTH", "NAME", "ID", "HEADER", "ALGORITHM", "ISSUER", "AUDIENCE", "ENABLED", "URL_FILE"]);
/** Segments before KEY that make it a public one. */
const PUBLIC = new Set(["PUBLIC", "PUBLISHABLE", "PUB"]);
/** Prefixes of well-known credentials. */
const KNOWN_PREFIXES = /^(ghp_|gho_|ghs_|ghu_|github_pat_|glpat-|sk_live_|rk_live_|sk-|xox[abpr]-|AKIA[0-9A-Z]{12}|AIza[0-9A-Za-z_-]{20}|SG\.|-----BEGIN )/;

/** Does the variable's name say its value is a secret? */
export function secretName(key: string): boolean {
    const parts = key.toUpperCase().split("_").filter(Boolean);
    if (ABOUT_A_SECRET.has(parts[parts.length - 1])) return false;
    return parts.some((p, i) => SECRET_WORDS.has(p) && !(p === "KEY" && i > 0 && PUBLIC.has(parts[i - 1])));
}

/** Bits per character of the value's own character distribution. */
function entropyPerChar(value: string): number {
    const counts = new Map<string, number>();
    for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    return [...counts.values()].reduce((bits, n) => bits - (n / value.length) * Math.log2(n / value.length), 0);
}

/** Why a value looks like a secret whatever its name, or undefined. */
export function secretValue(value: string): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:[^/?#@\s]+@/i.test(value)) return "is a URL with a password in it";
    if (KNOWN_PREFIXES.test(value)) return "looks like a credential (a known token or key format)";
    // A generated token: long, one word, characters spread like random output, letters and digits mixed.
    if (value.length >= 24 && /^[A-Za-z0-9+/=_.-]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && entropyPerChar(value) >= 4) return "looks like a generated token";
    return undefined;
}

/** What is wrong with a plain env entry, or undefined; the value itself is never repeated. */
export function plainSecretProblem(key: string, value: string): string | undefined {
    const fix = `move it to secretEnv: set it with pulumi config set --secret <configKey> <value>, then secretEnv: { ${key}: <configKey> }`;
    if (value && !/^(true|false|yes|no|on|off|[0-9]+)$/i.test(value) && secretName(key)) return `is named like a secret and env is plain text (in the stack file and in state); ${fix}`;
    const why = secretValue(value);
    return why ? `${why}, and env is plain text (in the stack file and in state); ${fix}` : undefined;
}
