/** The one date formatter of every rendered format, with its formats built once per language. */
import type { Language } from '../input/schema'

// Building an Intl.DateTimeFormat costs far more than using one, and a release renders thousands of pages.
const formats = new Map<string, Intl.DateTimeFormat>()

type Style = 'date' | 'date and time'

function formatter(lang: Language, style: Style): Intl.DateTimeFormat {
  const key = `${lang} ${style}`
  let format = formats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(
      lang,
      style === 'date'
        ? { dateStyle: 'long', timeZone: 'UTC' }
        : { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' },
    )
    formats.set(key, format)
  }
  return format
}

/** The day of an instant for people, "15 January 2027" (UTC), whatever its time. */
export function formatDate(instant: number | string, lang: Language): string {
  return formatter(lang, 'date').format(typeof instant === 'number' ? instant : Date.parse(instant))
}

/** A date for people: "15 January 2027"; with the time (UTC) when it is not midnight. */
export function formatInstant(instant: number | string, lang: Language): string {
  const at = typeof instant === 'number' ? instant : Date.parse(instant)
  const withTime = at % 86_400_000 !== 0
  return withTime ? `${formatter(lang, 'date and time').format(at)} UTC` : formatDate(at, lang)
}

/** The date part of an instant, as ISO 8601 (UTC). */
export const isoDate = (instant: number | string) => new Date(instant).toISOString().slice(0, 10)
