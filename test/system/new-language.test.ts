// A language is data: add one to a copy of the fixture dataset (data/ as it stood), publish it with the project's own command,
// and every route serves it, with no code touched.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, FIXTURE_DATA, publishData, serveRegistry } from '../support/harness'

const NEW = 'et'
const REGIONS = ['all', 'eu', 'uk', 'us', 'apac']
const FORMATS = ['json', 'csv', 'html']
const mark = (text: string) => `[${NEW}] ${text}`

let work: string
let server: Awaited<ReturnType<typeof serveRegistry>>
let published: string
let ids: string[]

/** Every localized text gains the new language: the English text, marked, so that a test can tell it apart. */
function addLanguage(node: unknown, languages: string[]): void {
  if (Array.isArray(node)) {
    for (const child of node) addLanguage(child, languages)
    return
  }
  if (!node || typeof node !== 'object') return
  const record = node as Record<string, unknown>
  const keys = Object.keys(record)
  if (keys.length === languages.length && languages.every((lang) => typeof record[lang] === 'string')) {
    record[NEW] = mark(record.en as string)
    return
  }
  for (const child of Object.values(record)) addLanguage(child, languages)
}

async function editJson(file: string, edit: (value: any) => void) {
  const value = JSON.parse(await readFile(file, 'utf8'))
  edit(value)
  await writeFile(file, JSON.stringify(value, null, 2))
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-language-'))
  const data = join(work, 'data')
  await cp(FIXTURE_DATA, data, { recursive: true })
  const { languages } = JSON.parse(await readFile(join(data, 'registry.json'), 'utf8')) as { languages: string[] }
  for (const file of ['registry.json', 'subprocessors.json', 'regions.json', 'announcements.json'])
    await editJson(join(data, file), (value) => addLanguage(value, languages))
  await editJson(join(data, 'registry.json'), (registry) => registry.languages.push(NEW))
  const english = JSON.parse(await readFile(join(data, 'locales', 'en.json'), 'utf8'))
  const markAll = (labels: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(labels).map(([name, text]) => [
        name,
        typeof text === 'string' ? mark(text) : markAll(text as Record<string, unknown>),
      ]),
    )
  await writeFile(
    join(data, 'locales', `${NEW}.json`),
    JSON.stringify({
      name: 'Eesti',
      translation: { of: 'lv', notice: mark(english.translation.notice) },
      labels: markAll(english.labels),
    }),
  )
  ids = JSON.parse(await readFile(join(data, 'subprocessors.json'), 'utf8')).subprocessors.map(
    (entry: { id: string }) => entry.id,
  )

  const state = join(work, 'state')
  published = (await publishData(data, state)).stdout
  const { scriptPath } = await bundleWorker(join(work, 'dist'))
  server = await serveRegistry({ scriptPath, persistTo: state })
})

afterAll(async () => {
  await server?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers })

describe('a fourth language added to data/ alone', () => {
  it('is published in every region, format and entry', () => {
    // Per language: 5 regions × (3 list formats, 2 scheduled, 5 change-log formats and the whole JSON log), 14 entries × 3, and the version index twice; and the three documents.
    expect(published).toContain(`${5 * 4 * (3 + 2 + 6) + ids.length * 4 * 3 + 4 * 2 + 3} representations`)
  })

  it('is served by every list route, in every region and format', async () => {
    for (const region of REGIONS) {
      for (const format of FORMATS) {
        const res = await get(`/subprocessors.${format}?region=${region}&lang=${NEW}`)
        expect(res.status).toBe(200)
        expect(res.headers.get('Content-Language')).toBe(NEW)
        expect(res.headers.get('Link')).toContain(`hreflang="${NEW}"`)
        const body = await res.text()
        if (format === 'json')
          expect(JSON.parse(body)).toMatchObject({
            language: NEW,
            region: { id: region, name: expect.stringMatching(/^\[et\] /) },
          })
        if (format === 'csv') expect(body.startsWith(`"${mark('ID')}","${mark('Legal entity')}",`)).toBe(true)
        if (format === 'html') {
          expect(body).toContain(`<html lang="${NEW}">`)
          expect(body).toContain(`<h1>LiveAgent: ${mark('Sub-processors')}</h1>`)
          expect(body).toContain(
            `<a href="/subprocessors.html?region=${region}&#38;lang=${NEW}" aria-current="page" hreflang="${NEW}" lang="${NEW}">Eesti</a>`,
          )
        }
      }
    }
  })

  it("is chosen by Accept-Language, and named in the other languages' pages", async () => {
    const res = await get('/subprocessors?region=eu', {
      'Accept-Language': `${NEW}-EE,${NEW};q=0.9,en;q=0.5`,
      Accept: 'application/json',
    })
    expect(res.headers.get('Content-Location')).toBe(`/subprocessors.json?region=eu&lang=${NEW}`)
    const latvian = await get('/subprocessors.html?region=eu&lang=lv').then((r) => r.text())
    expect(latvian).toContain(
      `<link rel="alternate" type="text/html" hreflang="${NEW}" href="/subprocessors.html?region=eu&#38;lang=${NEW}">`,
    )
    expect(latvian).toContain(
      `<a href="/subprocessors.html?region=eu&#38;lang=${NEW}" hreflang="${NEW}" lang="${NEW}">Eesti</a>`,
    )
  })

  it('is served for every entry, in every format', async () => {
    for (const id of ids) {
      for (const format of FORMATS) {
        const res = await get(`/subprocessors/${id}.${format}?lang=${NEW}`)
        expect(res.status).toBe(200)
        expect(res.headers.get('Content-Language')).toBe(NEW)
      }
    }
    const twilio = await get(`/subprocessors/twilio.json?lang=${NEW}`).then(
      (r) => r.json() as Promise<{ purpose: string; name: string }>,
    )
    expect(twilio).toMatchObject({
      name: 'Twilio, Inc.',
      purpose: mark('LiveAgent uses Twilio as its VoIP service provider.'),
    })
  })

  it('is listed by discovery, the OpenAPI document and the JSON Schema', async () => {
    const discovery = await get('/.well-known/subprocessors').then(
      (r) => r.json() as Promise<{ languages: string[]; lists: { lang: string }[] }>,
    )
    expect(discovery.languages).toEqual(['lv', 'en', 'de', NEW])
    expect(discovery.lists.filter((list) => list.lang === NEW)).toHaveLength(REGIONS.length * FORMATS.length)
    const openapi = await get('/openapi.json').then((r) => r.json() as Promise<any>)
    expect(
      openapi.paths['/subprocessors'].get.parameters.find((p: { name: string }) => p.name === 'lang').schema.anyOf[0]
        .enum,
    ).toEqual(['lv', 'en', 'de', NEW])
    const schema = await get('/schema.json').then((r) => r.json() as Promise<any>)
    expect(schema.properties.language.enum).toEqual(['lv', 'en', 'de', NEW])
    const unknown = await get('/subprocessors?lang=fr').then(
      (r) => r.json() as Promise<{ error: { allowed: string[] } }>,
    )
    expect(unknown.error.allowed).toEqual(['lv', 'en', 'de', NEW])
  })
})
