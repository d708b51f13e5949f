/**
 * When a failed delivery is tried again. The delays are Svix's, which Standard Webhooks
 * receivers already expect: each several times the last, capped at 10 h (Queues allows 12 h per
 * delay), 27.6 h in all. After the last, Queues moves the message to the dead-letter queue, so
 * wrangler.toml's `max_retries` equals the schedule's length.
 */
export const RETRY_DELAYS_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600] as const

/** How long an endpoint may fail without a single success before it is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 3600 * 1000

/** How long a previous secret keeps signing after the rotation that replaced it. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000

/** Previous secrets that may sign at once: each adds a signature to every delivery. */
export const MAX_PREVIOUS_SECRETS = 5

/**
 * The delay after the given attempt (1 for the first) failed, or null after the last; `schedule`
 * is `WEBHOOK_RETRY_DELAYS` when set (seconds, comma-separated), the published schedule otherwise.
 */
export function retryDelaySeconds(attempt: number, schedule: readonly number[] = RETRY_DELAYS_SECONDS): number | null {
  return schedule[attempt - 1] ?? null
}

/** `WEBHOOK_RETRY_DELAYS`, read: a local run compresses the schedule to seconds; it keeps its length. */
export function retrySchedule(configured: string | undefined): readonly number[] {
  if (!configured) return RETRY_DELAYS_SECONDS
  const delays = configured.split(',').map((part) => Number(part.trim()))
  if (
    delays.length !== RETRY_DELAYS_SECONDS.length ||
    !delays.every((delay) => Number.isInteger(delay) && delay >= 0 && delay <= 43_200)
  ) {
    throw new Error(`WEBHOOK_RETRY_DELAYS must list ${RETRY_DELAYS_SECONDS.length} whole seconds, each at most 43200`)
  }
  return delays
}
