import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish } from './helpers'

beforeAll(() => publish())

async function listFor(path: string, country?: string) {
  const res = await fetchWorker(path, country ? { cf: { country } as IncomingRequestCfProperties } : {})
  const body = await res.json<{ region: { id: string; name: string }; subprocessors: { id: string }[] }>()
  return { res, body, ids: body.subprocessors.map((entry) => entry.id) }
}

const EVERY_REGION = [
  'aws',
  'quality-unit-llc',
  'quality-unit-ukraine',
  'twilio',
  'intuit-mailchimp',
  'openai',
  'support-subcontractors',
]

describe('region from ?region=', () => {
  it.each([
    ['eu', 'Europe', ['linode-eu', 'linode-uk', 'websupport-eu']],
    ['uk', 'United Kingdom', ['linode-eu', 'linode-uk']],
    ['us', 'United States', ['linode-us', 'aws-us-california']],
    ['apac', 'Asia-Pacific', ['linode-sg', 'aws-apac-singapore']],
  ])('lists only what applies to %s customers', async (region, name, own) => {
    const { res, body, ids } = await listFor(`/subprocessors.json?region=${region}&lang=en`)
    expect(res.status).toBe(200)
    expect(body.region).toEqual({ id: region, name })
    expect(ids.sort()).toEqual([...own, ...EVERY_REGION].sort())
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
  })

  it('lists all 14 entries for region=all', async () => {
    const { body, ids } = await listFor('/subprocessors.json?region=all&lang=en')
    expect(body.region).toEqual({ id: 'all', name: 'All regions' })
    expect(ids).toHaveLength(14)
  })

  it('takes the region case-insensitively and names it canonically', async () => {
    const { res, body } = await listFor('/subprocessors.json?region=APAC&lang=en')
    expect(body.region.id).toBe('apac')
    expect(res.headers.get('Content-Location')).toBe('/subprocessors.json?region=apac&lang=en')
  })

  it("prefers ?region= over the visitor's location", async () => {
    const { body } = await listFor('/subprocessors.json?region=us', 'DE')
    expect(body.region.id).toBe('us')
  })
})

describe("region from the visitor's location (request.cf.country)", () => {
  it.each([
    ['DE', 'eu'],
    ['LV', 'eu'],
    ['GB', 'uk'],
    ['JE', 'uk'],
    ['US', 'us'],
    ['BR', 'us'],
    ['SG', 'apac'],
    ['AU', 'apac'],
    ['NG', 'all'],
    ['T1', 'all'],
    ['XX', 'all'],
  ])('maps %s to %s through the mapping in data/regions.json', async (country, region) => {
    const { res, body } = await listFor('/subprocessors.json?lang=en', country)
    expect(body.region.id).toBe(region)
    expect(res.headers.get('Content-Location')).toBe(`/subprocessors.json?region=${region}&lang=en`)
  })

  it('serves the same bytes and ETag as the explicit URL, but privately', async () => {
    const located = await fetchWorker('/subprocessors.csv?lang=lv', {
      cf: { country: 'FR' } as IncomingRequestCfProperties,
    })
    const explicit = await fetchWorker('/subprocessors.csv?region=eu&lang=lv')
    expect(located.headers.get('Content-Location')).toBe('/subprocessors.csv?region=eu&lang=lv')
    expect(located.headers.get('ETag')).toBe(explicit.headers.get('ETag'))
    expect(await located.text()).toBe(await explicit.text())
    expect(located.headers.get('Cache-Control')).toBe('private, max-age=300')
    expect(explicit.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
  })

  it('falls back to all regions without a location, and keeps that private too', async () => {
    const { res, body } = await listFor('/subprocessors.json?lang=en')
    expect(body.region.id).toBe('all')
    expect(res.headers.get('Cache-Control')).toBe('private, max-age=300')
  })
})

describe('region errors', () => {
  it.each(['mars', '', 'eu,us', '../eu'])('answers 400 listing the regions for region=%j', async (region) => {
    const res = await fetchWorker(`/subprocessors?region=${encodeURIComponent(region)}`)
    expect(res.status).toBe(400)
    const body = await res.json<{ error: Record<string, unknown> }>()
    expect(body.error).toMatchObject({
      status: 400,
      code: 'unknown_region',
      parameter: 'region',
      allowed: ['all', 'eu', 'uk', 'us', 'apac'],
    })
  })

  it('answers 400 when region is given twice', async () => {
    const res = await fetchWorker('/subprocessors?region=eu&region=us')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        status: 400,
        code: 'repeated_parameter',
        message: '"region" may be given once.',
        parameter: 'region',
        allowed: ['all', 'eu', 'uk', 'us', 'apac'],
      },
    })
  })
})
