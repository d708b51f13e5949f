/**
 * `npm run tick -- [--at 2027-01-15 | --at 2027-01-15T09:30:00Z] [--origin http://127.0.0.1:8787]`:
 * runs the registry's cron tick as of a chosen instant against `npm start`, so that an `effective`
 * event, a rotation's end or an endpoint's disabling can be seen now. wrangler dev's
 * `/__scheduled` runs at the real time; Miniflare's `/cdn-cgi/handler/scheduled` takes `time`.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** The URL that runs the tick at `at` (a date is midnight UTC), or an error for a date that is not one. */
export function tickUrl(origin: string, at: string | undefined, now = Date.now()): URL {
  const instant = at === undefined ? now : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(at) ? `${at}T00:00:00Z` : at)
  if (Number.isNaN(instant)) throw new Error(`--at ${at} is neither a date (2027-01-15) nor an RFC 3339 instant`)
  const url = new URL('/cdn-cgi/handler/scheduled', origin)
  url.searchParams.set('cron', '* * * * *')
  url.searchParams.set('time', String(instant))
  return url
}

/**
 * Runs the tick at each minute's start against a local server, as Cloudflare runs the Cron
 * Trigger: `wrangler dev` runs none by itself. Returns what stops it. A tick the server does not
 * answer is left for the next minute.
 */
export function tickEveryMinute(origin: string, send: (url: URL) => Promise<unknown> = (url) => fetch(url)) {
  const tick = () => send(tickUrl(origin, undefined)).catch(() => {})
  let interval: ReturnType<typeof setInterval> | undefined
  const first = setTimeout(
    () => {
      void tick()
      interval = setInterval(tick, 60_000)
    },
    60_000 - (Date.now() % 60_000),
  )
  return () => {
    clearTimeout(first)
    clearInterval(interval)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { at: { type: 'string' }, origin: { type: 'string', default: 'http://127.0.0.1:8787' } },
  })
  try {
    const url = tickUrl(values.origin, values.at)
    const res = await fetch(url)
    if (!res.ok) throw new Error(`${url.origin} answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    console.log(
      `Ran the tick as of ${new Date(Number(url.searchParams.get('time'))).toISOString()}; the events it emitted are in the wrangler dev log ({"event":"webhook_tick",…}).`,
    )
  } catch (error) {
    console.error(
      `${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message}; is npm start running?)` : ''}`,
    )
    process.exit(1)
  }
}
