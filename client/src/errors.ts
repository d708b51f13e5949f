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

/**
 * A registry that showed two histories of its log: two checkpoints, each signed by its key, of the
 * same size with different roots, or that no consistency proof joins. Both notes are kept: together
 * they prove it to anyone.
 */
export class SplitView extends WatchError {
  constructor(
    message: string,
    readonly seen: string,
    readonly served: string,
  ) {
    super(
      'evidence',
      message,
      "Both checkpoints are signed with the registry's key, so together they prove it showed two histories; they are kept in the state file's record of this check. Keep the last good state, and give both to the vendor and your witnesses.",
    )
  }
}

/** A value a registry chose, as a message may quote it: JSON-escaped and cut short. */
export function quoted(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value)
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(cut)
}
