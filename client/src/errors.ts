/**
 * What went wrong with a registry, in one shape: `evidence` when the registry contradicts its own
 * signed log (or withdraws it), `error` when it cannot be read. The hint says what the person
 * running the check can do. Messages quote what a registry sent only through `quoted`.
 */
export class WatchError extends Error {
  constructor(
    readonly kind: 'error' | 'evidence',
    message: string,
    /** What the person running the check can do about it. */
    readonly hint: string,
  ) {
    super(message)
  }
}

/** A value a registry chose, as a message may quote it: JSON-escaped and cut short. */
export function quoted(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value)
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(cut)
}
