// Matchers for `hono/accepts`. Its default matcher answers a full wildcard with the default,
// ignores q=0 and cannot say "nothing acceptable", so these go further: RFC 9110 §12.5.1
// precedence (the most specific matching range decides the quality), q=0 excludes, "" means 406.

/** One element of a parsed Accept or Accept-Language header. */
export interface AcceptEntry {
  type: string
  params: Record<string, string>
  q: number
}

export interface MatchConfig {
  supports: string[]
  default: string
}

const MEDIA_RANGE = /^(?:\*\/\*|[a-z0-9!#$&^_.+-]+\/(?:\*|[a-z0-9!#$&^_.+-]+))$/i
const LANGUAGE_RANGE = /^(?:\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/i
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

/** A header with any element that breaks its grammar, or with no element at all, counts as absent. */
function isWellFormed(entries: AcceptEntry[], range: RegExp): boolean {
  return (
    entries.length > 0 &&
    entries.every((entry) => {
      const q = entry.params.q ?? entry.params.Q
      return range.test(entry.type) && (q === undefined || QVALUE.test(q))
    })
  )
}

function mediaRangeSpecificity(range: string, type: string): number {
  if (range === type) return 3
  if (range === '*/*') return 1
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1)) ? 2 : 0
}

/** Picks the supported media type the client prefers most; ties go to the earlier one in `supports`. */
export function pickMediaType(entries: AcceptEntry[], config: MatchConfig): string {
  if (!isWellFormed(entries, MEDIA_RANGE)) return config.default
  let best = ''
  let bestQ = 0
  for (const type of config.supports) {
    const q = qualityOf(entries, (range) => mediaRangeSpecificity(range.toLowerCase(), type))
    if (q > bestQ) {
      best = type
      bestQ = q
    }
  }
  return best
}

function languageRangeSpecificity(range: string, language: string): number {
  if (range === '*') return 1
  if (range === language) return 3
  // A regional variant of a language we serve (lv-LV) is served that language.
  return range.startsWith(`${language}-`) ? 2 : 0
}

/**
 * Picks the supported language the client prefers most; ties go to the one the client listed
 * first. Nothing acceptable falls back to the default: a page in English beats no page.
 */
export function pickLanguage(entries: AcceptEntry[], config: MatchConfig): string {
  if (!isWellFormed(entries, LANGUAGE_RANGE)) return config.default
  let best = config.default
  let bestQ = 0
  let bestPosition = Infinity
  const candidates = [config.default, ...config.supports.filter((language) => language !== config.default)]
  for (const language of candidates) {
    const q = qualityOf(entries, (range) => languageRangeSpecificity(range.toLowerCase(), language))
    const position = entries.findIndex(
      (entry) => entry.type.toLowerCase() !== '*' && languageRangeSpecificity(entry.type.toLowerCase(), language) > 0,
    )
    const rank = position === -1 ? entries.length : position
    if (q > bestQ || (q === bestQ && q > 0 && rank < bestPosition)) {
      best = language
      bestQ = q
      bestPosition = rank
    }
  }
  return best
}

/** The quality of the most specific range that matches; 0 where none does. */
function qualityOf(entries: AcceptEntry[], specificity: (range: string) => number): number {
  let q = 0
  let most = 0
  for (const entry of entries) {
    const s = specificity(entry.type)
    if (s > most || (s === most && s > 0 && entry.q > q)) {
      most = s
      q = entry.q
    }
  }
  return q
}
