import { afterEach, describe, expect, it, vi } from 'vitest'
import { tickEveryMinute, tickUrl } from '../../src/cli/tick'

describe('npm run tick', () => {
  it.each([
    ['2027-01-15', Date.parse('2027-01-15T00:00:00Z')],
    ['2027-01-15T09:30:00Z', Date.parse('2027-01-15T09:30:00Z')],
    ['2027-01-15T09:30:00+02:00', Date.parse('2027-01-15T07:30:00Z')],
    [undefined, 1_800_000_000_000],
  ])('runs the tick as of --at %s', (at, time) => {
    const url = tickUrl('http://127.0.0.1:8787', at, 1_800_000_000_000)
    expect(url.pathname).toBe('/cdn-cgi/handler/scheduled')
    expect(url.searchParams.get('cron')).toBe('* * * * *')
    expect(Number(url.searchParams.get('time'))).toBe(time)
  })

  it('refuses an --at that is not an instant', () => {
    expect(() => tickUrl('http://127.0.0.1:8787', 'next tuesday')).toThrow('--at next tuesday is neither a date')
  })
})

describe('npm start', () => {
  afterEach(() => vi.useRealTimers())

  it("runs the registry's tick at the start of every minute, as Cloudflare runs the Cron Trigger", async () => {
    vi.useFakeTimers({ now: Date.parse('2027-01-15T09:30:20Z') })
    const sent: string[] = []
    const stop = tickEveryMinute('http://127.0.0.1:8787', async (url) => {
      sent.push(new Date(Number(url.searchParams.get('time'))).toISOString())
      if (sent.length === 2) throw new Error('the server is restarting')
    })
    await vi.advanceTimersByTimeAsync(39_000)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(3 * 60_000)
    // A minute the server misses is not retried: the next tick catches up, as the cron does.
    expect(sent).toEqual(['2027-01-15T09:31:00.000Z', '2027-01-15T09:32:00.000Z', '2027-01-15T09:33:00.000Z'])
    stop()
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    expect(sent).toHaveLength(3)
  })
})
