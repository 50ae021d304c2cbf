// Checks of single fields that need more than a pattern: each returns what is wrong in the user's
// words (with what to do instead), or undefined when the value is fine.

/** Longest CSP nginx reads as one quoted value (its config parser buffers 4 KiB per token). */
export const CSP_MAX_LENGTH = 4000;
/** The most names a certificate may hold (Let's Encrypt) and the longest name its common name takes. */
export const MAX_CERTIFICATE_NAMES = 100;
export const MAX_COMMON_NAME = 64;
/** Variables the platform sets in every app container: an app's env may not override them. */
export const PLATFORM_ENV = ["PORT", "APP_NAME", "RELEASE_IMAGE", "RELEASE_ID"];
export const PLATFORM_ENV_PREFIXES = ["DATABASE_", "PG"];
/** Accounts an Ubuntu server image already has: the deploy user must be a new, unprivileged one. */
export const SYSTEM_USERS = [
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup", "list", "irc",
    "nobody", "_apt", "systemd-network", "systemd-resolve", "systemd-timesync", "messagebus", "syslog", "uuidd", "tcpdump", "sshd",
    "polkitd", "landscape", "fwupd-refresh", "usbmux", "tss", "dnsmasq", "lxd", "pollinate", "ubuntu", "docker",
];
/** A Content-Security-Policy value: it goes inside double quotes in nginx, and an empty one drops the header. */
export function cspProblem(csp: string): string | undefined {
    if (!csp.trim()) return "is empty, which makes nginx drop the Content-Security-Policy header; leave the field out for the platform's policy, or write one such as default-src 'self'";
    if (!/^[\x20-\x7e]*$/.test(csp) || /["\\${}]/.test(csp)) return 'must be printable ASCII without ", \\, $, { or }';
    if (csp.length > CSP_MAX_LENGTH) return `is ${csp.length} characters; nginx reads at most about 4 KiB as one value, so keep it to ${CSP_MAX_LENGTH} (drop hashes or origins it does not need)`;
    return undefined;
}
/** uid[:gid], numeric; uid 0 is root, which app containers never are. */
export function containerUserProblem(user: string): string | undefined {
    if (!/^([0-9]{1,10}(:[0-9]{1,10})?)?$/.test(user)) return 'must be a numeric uid or uid:gid such as 10001:10001, or "" for the image\'s own non-root user';
    if (!user) return undefined;
    const [uid, gid] = user.split(":").map(Number);
    if ([uid, gid].some((n) => n !== undefined && n > 4294967294)) return "has an id above 4294967294, which Linux does not allow; use e.g. 10001:10001";
    if (uid === 0) return "runs the container as root (uid 0); app containers never run as root: use a non-root uid such as 10001:10001";
    return undefined;
}
/** An account name for the deploy user: a new one, not root or one the image already has. */
export function deployUserProblem(user: string): string | undefined {
    if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(user)) return "must be a Unix user name: lower-case letters, digits, _ and -, starting with a letter or _";
    if (user === "root") return "is root; the deploy user runs Docker and the platform's commands and is never root: use deploy";
    if (SYSTEM_USERS.includes(user)) return `is an account the Ubuntu image already has (${user}); use a new one such as deploy`;
    return undefined;
}
/** An app's env key that the platform sets itself, or undefined. */
export function platformEnvProblem(key: string): string | undefined {
    if (PLATFORM_ENV.includes(key) || PLATFORM_ENV_PREFIXES.some((p) => key.startsWith(p)))
        return `is set by the platform (${[...PLATFORM_ENV, ...PLATFORM_ENV_PREFIXES.map((p) => `${p}*`)].join(", ")}) and would be overridden or override it; rename your variable`;
    return undefined;
}
