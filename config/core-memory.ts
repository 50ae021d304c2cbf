// Memory limits of core containers that have no config field, in one place: the containers use
// them (components/) and the memory budget counts them (config/rules.ts).

/** The nginx holder runs a sleep: measured under 1 MiB. */
export const HOLDER_MEMORY_MB = 16;
/** PgBouncer: measured 2.3-2.5 MiB with every app's pool. */
export const POOLER_MEMORY_MB = 64;
