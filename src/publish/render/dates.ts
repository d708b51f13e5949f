import type { Language } from '../input/schema'

// Building an Intl.DateTimeFormat costs far more than using one, and a release renders thousands of pages.
const formats = new Map<string, Intl.DateTimeFormat>()

function formatter(lang: Language, withTime: boolean): Intl.DateTimeFormat {
  const key = `${lang} ${withTime}`
  let format = formats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(
      lang,
      withTime ? { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' } : { dateStyle: 'long', timeZone: 'UTC' },
    )
    formats.set(key, format)
  }
  return format
}

/** A date for people: "15 January 2027"; with the time (UTC) when it is not midnight. */
export function formatInstant(instant: number | string, lang: Language): string {
  const at = typeof instant === 'number' ? instant : Date.parse(instant)
  const withTime = at % 86_400_000 !== 0
  return `${formatter(lang, withTime).format(at)}${withTime ? ' UTC' : ''}`
}

/** The date part of an instant, as ISO 8601 (UTC). */
export const isoDate = (instant: number | string) => new Date(instant).toISOString().slice(0, 10)
