import { describe, expect, it } from 'vitest'
import { tickUrl } from '../../src/cli/tick'

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
