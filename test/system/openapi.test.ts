/**
 * The OpenAPI document the bundled Worker serves, checked by the ecosystem's own tools: Redocly's
 * linter, and Stoplight Prism's router and validators, the ones its validating proxy runs, on the
 * real responses of Miniflare over KV seeded by the real publish command.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getHttpOperationsFromSpec, type IHttpRequest, type IHttpResponse } from '@stoplight/prism-http'
import { validateInput, validateOutput } from '@stoplight/prism-http/dist/validator/index.js'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, FIXTURE_DATA, publishData, ROOT, serveRegistry } from '../support/harness'

// A CommonJS default export: `require` hands over the function itself, `import` the module object.
const { default: route } = createRequire(import.meta.url)(
  '@stoplight/prism-http/dist/router/index.js',
) as typeof import('@stoplight/prism-http/dist/router/index.js')

type Operation = Awaited<ReturnType<typeof getHttpOperationsFromSpec>>[number]
type Method = 'get' | 'head'
interface Request {
  method: Method
  path: string
  query?: Record<string, string | string[]>
  headers?: Record<string, string>
}
interface OpenApi {
  paths: Record<string, Record<string, { operationId: string }>>
  components: { responses: Record<string, { description: string; headers: object }> }
}

const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')
// redocly.yaml turns telemetry off too; these also keep the update check and notices away.
const REDOCLY_OFFLINE = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
}

let work: string
let published: { mf: Miniflare; url: string }
let unpublished: { mf: Miniflare; url: string }
let servedBytes: string
let document: OpenApi
let operations: Operation[]
let ids: string[]

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-openapi-'))
  const bundle = await bundleWorker(join(work, 'dist'))
  await publishData(FIXTURE_DATA, join(work, 'state'))
  published = await serveRegistry({ scriptPath: bundle.scriptPath, persistTo: join(work, 'state') })
  unpublished = await serveRegistry({ scriptPath: bundle.scriptPath, persistTo: join(work, 'empty') })
  servedBytes = await fetch(`${published.url}/openapi.json`).then((res) => res.text())
  document = JSON.parse(servedBytes)
  // The registry's reads; the webhook and objection routes are exercised by their own tests.
  operations = (await getHttpOperationsFromSpec(document)).filter(
    (operation) =>
      !operation.path.startsWith('/webhooks') &&
      !operation.path.startsWith('/admin/') &&
      !operation.path.startsWith('/objections'),
  )
  const list = await fetch(`${published.url}/subprocessors.json?region=all&lang=en`).then(
    (res) => res.json() as Promise<{ subprocessors: { id: string; name: unknown; location: unknown }[] }>,
  )
  // The first entry, and the first whose name or location is null: every shape an entry comes in.
  const { subprocessors } = list
  ids = [
    ...new Set(
      [
        subprocessors[0]!,
        subprocessors.find((e) => e.name === null)!,
        subprocessors.find((e) => e.location === null)!,
      ].map((e) => e.id),
    ),
  ]
})

afterAll(async () => {
  await published?.mf.dispose()
  await unpublished?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

async function lint(file: string): Promise<{
  totals: Record<string, number>
  problems: { ruleId: string; severity: string; location: { pointer: string }[] }[]
}> {
  const args = [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json']
  // It exits non-zero when it finds errors; the report is on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: REDOCLY_OFFLINE }).catch(
    (error: { stdout: string }) => error,
  )
  return JSON.parse(stdout)
}

describe('redocly lint with the recommended rules and redocly.yaml', () => {
  it('finds no error and no warning in the served document', async () => {
    const file = join(work, 'openapi.json')
    await writeFile(file, servedBytes)
    const report = await lint(file)
    expect(report.problems).toEqual([])
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 })
  })

  it('reports a document without servers or an operationId', async () => {
    const { servers: _, ...broken } = JSON.parse(servedBytes)
    delete broken.paths['/subprocessors'].head.operationId
    const file = join(work, 'broken-openapi.json')
    await writeFile(file, JSON.stringify(broken))
    const report = await lint(file)
    expect(report.problems.map(({ ruleId, severity, location }) => [ruleId, severity, location[0]!.pointer])).toEqual([
      ['no-empty-servers', 'error', '#/openapi'],
      ['operation-operationId', 'warn', '#/paths/~1subprocessors/head/operationId'],
    ])
  })
})

const isJson = (contentType: string | null) => /^application\/([\w.-]+\+)?json\b/.test(contentType ?? '')

/** Sends the request to a served Worker; the response as Prism's validators take it. */
async function send(base: string, request: Request): Promise<{ request: IHttpRequest; response: IHttpResponse }> {
  const search = new URLSearchParams(
    Object.entries(request.query ?? {}).flatMap(([name, values]) =>
      [values].flat().map((value): [string, string] => [name, value]),
    ),
  )
  const res = await fetch(`${base}${request.path}${search.size ? `?${search}` : ''}`, {
    method: request.method.toUpperCase(),
    headers: request.headers,
  })
  const hasBody = request.method !== 'head' && res.status !== 304
  const body = hasBody ? await (isJson(res.headers.get('Content-Type')) ? res.json() : res.text()) : undefined
  return {
    request: {
      method: request.method,
      url: { path: request.path, query: request.query ?? {} },
      headers: request.headers ?? {},
    },
    response: { statusCode: res.status, headers: Object.fromEntries(res.headers), body },
  }
}

/** The operation a validating proxy picks for this request, or why it picks none. */
function operationFor(request: IHttpRequest): Operation | string {
  const routed = route({ resources: operations, input: request })
  return routed._tag === 'Right' ? (routed.right as Operation) : routed.left.message
}

function problems(result: { _tag: 'Left'; left: { message: string }[] } | { _tag: 'Right' }): string[] {
  return result._tag === 'Left' ? result.left.map((diagnostic) => diagnostic.message) : []
}

/**
 * The operation with each response's contents narrowed to the media type served, where the
 * document lists it exactly: Prism matches `application/feed+json` to the first JSON type it
 * meets, ignoring the suffix, and would read a JSON Feed against the change log's schema.
 */
function narrowedTo(operation: Operation, contentType: string | undefined): Operation {
  const served = contentType?.split(';')[0]!.trim().toLowerCase()
  return {
    ...operation,
    responses: operation.responses.map((response) => {
      const exact = response.contents?.filter((content) => content.mediaType.toLowerCase() === served)
      return exact?.length ? { ...response, contents: exact } : response
    }) as Operation['responses'],
  }
}

/** Sends the request and returns everything in which the exchange strays from the document. */
async function sendAndValidate(base: string, request: Request, expectedStatus: number) {
  const exchange = await send(base, request)
  const operation = operationFor(exchange.request)
  const status =
    exchange.response.statusCode === expectedStatus
      ? []
      : [`status ${exchange.response.statusCode}, expected ${expectedStatus}`]
  if (typeof operation === 'string') return { ...exchange, operation: undefined, problems: [...status, operation] }
  const resource = narrowedTo(operation, exchange.response.headers?.['content-type'] as string | undefined)
  return {
    ...exchange,
    operation,
    problems: [...status, ...problems(validateOutput({ resource, element: exchange.response }))],
  }
}

const requestLine = (request: Request) =>
  `${request.method.toUpperCase()} ${request.path} ${JSON.stringify(request.query ?? {})} ${JSON.stringify(request.headers ?? {})}`

function cartesian(choices: [string, string[]][]): Record<string, string>[] {
  return choices.reduce<Record<string, string>[]>(
    (combos, [name, values]) => combos.flatMap((combo) => values.map((value) => ({ ...combo, [name]: value }))),
    [{}],
  )
}

/**
 * Requests for one operation, read off the document: every combination of the values its path
 * parameters and enumerated query parameters allow (a query parameter the path already fixes is
 * left out), and one request with no query at all, which the Worker negotiates.
 */
function requestsFor(operation: Operation): Request[] {
  const pathParams = operation.request?.path ?? []
  const inPath = new Set(pathParams.map((p) => p.name))
  // A parameter's values: its enum, or the enum among what it accepts (`lang` also takes a regional variant).
  const enumerated = (schema: unknown): string[] | undefined => {
    const { enum: values, anyOf } = (schema ?? {}) as { enum?: string[]; anyOf?: unknown[] }
    return values ?? anyOf?.map(enumerated).find(Boolean)
  }
  const pathChoices = pathParams.map((p): [string, string[]] => {
    const values =
      enumerated(p.schema) ?? (p.name === 'id' ? ids : (p.schema as { examples?: string[] } | undefined)?.examples)
    if (!values) throw new Error(`${operation.iid}: no values to try for the path parameter ${p.name}`)
    return [p.name, values]
  })
  const queryChoices = (operation.request?.query ?? [])
    .filter((q) => !inPath.has(q.name) && enumerated(q.schema))
    .map((q): [string, string[]] => [q.name, enumerated(q.schema)!])
  const method = operation.method as Method
  return cartesian(pathChoices).flatMap((pathValues) => {
    const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name]!)
    const negotiated = queryChoices.length ? [{ method, path }] : []
    return [...cartesian(queryChoices).map((query) => ({ method, path, query })), ...negotiated]
  })
}

describe('every response the Worker gives is the one the OpenAPI document describes', () => {
  it('describes GET and HEAD of every read path, and the webhook routes, each with a readable operationId', () => {
    const byPath = Object.entries(document.paths).map(([path, item]) => [
      path,
      Object.values(item).map((operation) => operation.operationId),
    ])
    expect(byPath).toEqual([
      ['/', ['getSubprocessorListAtRoot', 'headSubprocessorListAtRoot']],
      ['/subprocessors', ['getSubprocessorList', 'headSubprocessorList']],
      ['/subprocessors.{format}', ['getSubprocessorListInFormat', 'headSubprocessorListInFormat']],
      ['/subprocessors/{id}', ['getSubprocessor', 'headSubprocessor']],
      ['/subprocessors/{id}.{format}', ['getSubprocessorInFormat', 'headSubprocessorInFormat']],
      ['/changes', ['getChangeLog', 'headChangeLog']],
      ['/changes.{format}', ['getChangeLogInFormat', 'headChangeLogInFormat']],
      ['/versions', ['getVersions', 'headVersions']],
      ['/versions.{format}', ['getVersionsInFormat', 'headVersionsInFormat']],
      ['/schema.json', ['getJsonSchema', 'headJsonSchema']],
      ['/openapi.json', ['getOpenApiDocument', 'headOpenApiDocument']],
      ['/.well-known/subprocessors', ['getDiscoveryDocument', 'headDiscoveryDocument']],
      ['/versions/{version}/manifest', ['getManifest', 'headManifest']],
      ['/versions/{version}/evidence', ['getEvidence', 'headEvidence']],
      ['/versions/{version}/proof', ['getTlogProof', 'headTlogProof']],
      ['/log/checkpoint', ['getCheckpoint', 'headCheckpoint']],
      ['/log/tile/{level}/{index}.p/{width}', ['getLogTile', 'headLogTile']],
      ['/webhooks', ['createWebhookSubscription']],
      ['/webhooks/{id}', ['getWebhookSubscription', 'deleteWebhookSubscription']],
      ['/webhooks/{id}/rotate-secret', ['rotateWebhookSecret']],
      ['/webhooks/{id}/enable', ['enableWebhookSubscription']],
      ['/webhooks/{id}/deliveries', ['listWebhookDeliveries']],
      ['/admin/webhooks', ['listWebhookSubscriptions']],
      ['/objections', ['objectToChange', 'listObjections']],
      ['/objections/{digest}/resolution', ['resolveObjection']],
      ['/objections/{digest}/inclusion', ['objectionInclusion']],
    ])
  })

  it('answers every operation, for every value its parameters allow, with 200 as described, and revalidates it to 304', async () => {
    const found: string[] = []
    const exercised = new Map<string, number>()
    for (const operation of operations) {
      for (const request of requestsFor(operation)) {
        const ok = await sendAndValidate(published.url, request, 200)
        const input = problems(validateInput({ resource: operation, element: ok.request }))
        const routedElsewhere =
          ok.operation && ok.operation !== operation ? [`routed to ${ok.operation.method} ${ok.operation.path}`] : []
        found.push(
          ...[...input, ...routedElsewhere, ...ok.problems].map((problem) => `${requestLine(request)}: ${problem}`),
        )
        exercised.set(operation.iid!, (exercised.get(operation.iid!) ?? 0) + 1)

        const etag = ok.response.headers?.etag ?? ''
        const revalidation = { ...request, headers: { 'If-None-Match': etag } }
        const notModified = await sendAndValidate(published.url, revalidation, 304)
        found.push(...notModified.problems.map((problem) => `${requestLine(revalidation)}: ${problem}`))
      }
    }
    expect(found).toEqual([])
    expect([...exercised.keys()]).toEqual(operations.map((operation) => operation.iid))
    // Every list: 5 regions × 3 languages × 3 formats, by ?format= and by suffix, and negotiated.
    expect(exercised.get('getSubprocessorList')).toBe(5 * 3 * 3 + 1)
    expect(exercised.get('headSubprocessorListInFormat')).toBe(3 * (5 * 3 + 1))
    expect(exercised.get('getSubprocessorInFormat')).toBe(ids.length * 3 * (3 + 1))
  })

  const errors: { request: Omit<Request, 'method'>; status: number; code: string }[] = [
    { request: { path: '/subprocessors', query: { region: 'mars' } }, status: 400, code: 'unknown_region' },
    { request: { path: '/subprocessors/twilio', query: { lang: 'fr' } }, status: 400, code: 'unknown_language' },
    {
      request: { path: '/subprocessors.json', query: { region: ['eu', 'us'] } },
      status: 400,
      code: 'repeated_parameter',
    },
    { request: { path: '/subprocessors.csv', query: { format: 'json' } }, status: 400, code: 'conflicting_format' },
    { request: { path: '/subprocessors.xml' }, status: 400, code: 'unknown_format' },
    { request: { path: '/subprocessors/no-such-entry.json' }, status: 404, code: 'unknown_subprocessor' },
    { request: { path: '/subprocessors/no-such-entry' }, status: 404, code: 'unknown_subprocessor' },
    { request: { path: '/subprocessors', headers: { Accept: 'image/png' } }, status: 406, code: 'not_acceptable' },
    {
      request: { path: '/subprocessors/twilio', headers: { Accept: 'image/png' } },
      status: 406,
      code: 'not_acceptable',
    },
  ]

  for (const method of ['get', 'head'] as const) {
    for (const { request, status, code } of errors) {
      it(`answers ${requestLine({ method, ...request })} with ${status} as described`, async () => {
        const error = await sendAndValidate(published.url, { method, ...request }, status)
        expect(error.problems).toEqual([])
        expect(error.response.body).toEqual(
          method === 'get' ? expect.objectContaining({ error: expect.objectContaining({ status, code }) }) : undefined,
        )
      })
    }

    it(`answers ${method.toUpperCase()} of a path the document does not have with its NotFound response`, async () => {
      const path = '/no/such/path'
      const error = await sendAndValidate(published.url, { method, path }, 404)
      expect(error.problems).toEqual(['Route not resolved, no path matched'])
      // The document's own 404, as any undescribed path would have it.
      const { description, headers, ...body } = document.components.responses.NotFound!
      const [anyPath] = await getHttpOperationsFromSpec({
        ...document,
        paths: {
          [path]: {
            [method]: {
              responses: { 404: method === 'get' ? { description, headers, ...body } : { description, headers } },
            },
          },
        },
      })
      expect(problems(validateOutput({ resource: anyPath!, element: error.response }))).toEqual([])
      expect(error.response.body).toEqual(
        method === 'get'
          ? expect.objectContaining({ error: expect.objectContaining({ status: 404, code: 'not_found' }) })
          : undefined,
      )
    })
  }

  it('answers every operation with 503 as described before anything is published', async () => {
    const found: string[] = []
    for (const operation of operations) {
      const [request] = requestsFor(operation)
      const unavailable = await sendAndValidate(unpublished.url, request!, 503)
      found.push(...unavailable.problems.map((problem) => `${requestLine(request!)}: ${problem}`))
      if (request!.method === 'get')
        expect(unavailable.response.body).toEqual({
          error: { status: 503, code: 'not_published', message: 'No version of the registry has been published yet.' },
        })
    }
    expect(found).toEqual([])
  })
})

describe('the validation finds what strays from the document', () => {
  async function againstChanged(request: Request, change: (doc: any) => void) {
    const changed = structuredClone(document)
    change(changed)
    const [operation] = (await getHttpOperationsFromSpec(changed)).filter(
      (o) => o.method === request.method && o.path === '/subprocessors.{format}',
    )
    const { response } = await send(published.url, request)
    return problems(validateOutput({ resource: operation!, element: response }))
  }
  const csv: Request = { method: 'get', path: '/subprocessors.csv', query: { region: 'eu', lang: 'en' } }
  const list = (doc: any, method: Method) => doc.paths['/subprocessors.{format}'][method]

  it('a status the operation does not list', async () => {
    expect(await againstChanged(csv, (doc) => delete list(doc, 'get').responses[200])).toEqual([
      'Unable to match the returned status code with those defined in the document: 304,400,404,406,503',
    ])
  })

  it('a header the document requires that the response lacks', async () => {
    const problems = await againstChanged({ ...csv, method: 'head' }, (doc) => {
      list(doc, 'head').responses[200].headers['Content-Security-Policy'] = {
        required: true,
        schema: { type: 'string' },
      }
    })
    expect(problems).toEqual(["Response header must have required property 'content-security-policy'"])
  })

  it('a header value outside its schema', async () => {
    const problems = await againstChanged(csv, (doc) => {
      list(doc, 'get').responses[200].headers['Cache-Control'].schema = { type: 'string', enum: ['no-cache'] }
    })
    expect(problems).toEqual([
      'Response header parameter cache-control must be equal to one of the allowed values: no-cache',
    ])
  })

  it('a media type the response does not list', async () => {
    expect(await againstChanged(csv, (doc) => delete list(doc, 'get').responses[200].content['text/csv'])).toEqual([
      'The received media type "text/csv; charset=utf-8; header=present" does not match the ones specified in the current response: application/json, text/html',
      // Prism then reads the body as the first media type the response lists.
      'Response body must be object',
    ])
  })

  it('a body its schema does not allow', async () => {
    const json = { ...csv, path: '/subprocessors.json' }
    expect(
      await againstChanged(
        json,
        (doc) => (doc.components.schemas.SubprocessorList.properties.version = { type: 'string' }),
      ),
    ).toEqual(['Response body property version must be string'])
  })
})
