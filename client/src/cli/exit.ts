/** Exit codes: `check`'s for cron and CI (the most serious outcome of any registry wins), and the shared ones. */
export const EXIT = { unchanged: 0, changed: 1, evidence: 2, error: 3, usage: 64, fault: 70 } as const

/** A usage error: the command line itself is wrong. */
export class UsageError extends Error {}
