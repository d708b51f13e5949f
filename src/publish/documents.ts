import { RETAINED_304_HEADERS } from 'hono/etag'
import { cachingHeaders, UNNEGOTIATED_CACHING } from '../domain/caching'
import { ALL_REGIONS, DOCUMENTS, ENTRY_SCHEMA_URL, FORMATS, MEDIA_TYPES, SCHEMA_URL, viewUrl } from '../domain/representation'
import { type ReleaseStamp, listRegions, regionName } from './model'
import { ErrorDocument, LANGUAGES, type RegistryData, registryJsonSchema } from './schema'
import { z } from 'zod'

/** `/.well-known/subprocessors`: everything a tool needs to find the registry and its contract. */
export function discoveryDocument(data: RegistryData, stamp: ReleaseStamp) {
  const { company, lastUpdated } = data.registry
  return {
    description: `${company.service} sub-processors, published by ${company.name}`,
    company,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    lastUpdated,
    schema: SCHEMA_URL,
    entrySchema: ENTRY_SCHEMA_URL,
    openapi: DOCUMENTS.openapi.url,
    languages: [...LANGUAGES],
    defaultLanguage: data.registry.defaultLanguage,
    regions: listRegions(data).map((id) => ({ id, name: Object.fromEntries(LANGUAGES.map((lang) => [lang, regionName(data, id, lang)])) })),
    formats: FORMATS.map((format) => ({ format, type: MEDIA_TYPES[format] })),
    lists: listRegions(data).flatMap((region) =>
      LANGUAGES.flatMap((lang) =>
        FORMATS.map((format) => ({ region, lang, format, type: MEDIA_TYPES[format], href: viewUrl({ kind: 'list', region, lang, format }) })),
      ),
    ),
    entry: { template: '/subprocessors/{id}.{format}?lang={lang}', ids: viewUrl({ kind: 'list', region: ALL_REGIONS, lang: data.registry.defaultLanguage, format: 'json' }) },
  }
}

type JsonSchema = Record<string, unknown>

interface Header {
  description: string
  required: boolean
  schema: JsonSchema
}

interface Parameter {
  name: string
  in: 'query' | 'path' | 'header'
  description: string
  required: boolean
  schema: JsonSchema
}

interface ResponseObject {
  description: string
  headers?: Record<string, Header>
  content?: Record<string, { schema: JsonSchema }>
}

const header = (description: string, schema: JsonSchema, required = true): Header => ({ description, required, schema })

const param = (name: string, location: Parameter['in'], description: string, schema: JsonSchema, required = false): Parameter => ({
  name,
  in: location,
  description,
  required: required || location === 'path',
  schema,
})

const oneOf = (values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...new Set(values)] })

// The header values come from the code that sets them, so the document cannot drift from the Worker.
const SHARED_CACHE_CONTROL = UNNEGOTIATED_CACHING['Cache-Control']
const PER_VISITOR_CACHE_CONTROL = cachingHeaders({}, false)['Cache-Control']
const VARY_VALUES = [{}, { format: 'json' }, { lang: 'en' }].map((fixed) => cachingHeaders(fixed, true).Vary!)

// RFC 9110: a strong entity tag is an opaque quoted string, and HTTP-dates are sent as IMF-fixdate.
const STRONG_ETAG = { type: 'string', pattern: '^"[!#-~]+"$' }
const HTTP_DATE = {
  type: 'string',
  pattern: '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$',
}

const VALIDATOR_HEADERS = {
  ETag: header('Strong validator of these bytes, computed when the version was published.', STRONG_ETAG),
  'Last-Modified': header('When the version was published.', HTTP_DATE),
  'Content-Location': header('The URL that names every choice, and serves these same bytes.', { type: 'string', format: 'uri-reference' }),
}

const VARY = header('`Accept` unless the URL fixes the format; `Accept-Language` unless it fixes the language.', oneOf(VARY_VALUES), false)

/** The headers of a list or an entry, whose format and language may be negotiated. */
function negotiatedHeaders(languages: readonly string[], cacheControl: Header): Record<string, Header> {
  return {
    ...VALIDATOR_HEADERS,
    'Cache-Control': cacheControl,
    Vary: VARY,
    'Content-Language': header('The language served.', oneOf(languages)),
    Link: header('`rel="alternate"` for the other formats and languages, `rel="describedby"` for the JSON Schema.', { type: 'string' }),
    'Content-Disposition': header('CSV only: a download named after the subject, language and version.', { type: 'string', pattern: '^attachment; filename="[^"]+\\.csv"$' }, false),
  }
}

const SHARED = header('Shared caches may keep it: it depends on nothing but the URL and the headers `Vary` names.', oneOf([SHARED_CACHE_CONTROL]))
const SHARED_UNLESS_LOCATED = header(
  '`public` where the URL names the region; `private` where it came from the visitor\'s location or the default.',
  oneOf([SHARED_CACHE_CONTROL, PER_VISITOR_CACHE_CONTROL]),
)

const DOCUMENT_HEADERS = { ...VALIDATOR_HEADERS, 'Cache-Control': SHARED }

const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }
const NO_STORE = { 'Cache-Control': header('Errors are never cached.', oneOf(['no-store'])) }
const errorResponse = (name: string, description: string, headers: Record<string, Header> = {}) => ({
  name,
  response: { description, headers: { ...NO_STORE, ...headers }, content: ERROR_BODY } satisfies ResponseObject,
})

const JSON_SCHEMA_DOCUMENT = {
  type: 'object',
  required: ['$schema', '$defs'],
  properties: { $schema: { const: 'https://json-schema.org/draft/2020-12/schema' }, $defs: { type: 'object' } },
}

const OPENAPI_DOCUMENT = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: { openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' }, info: { type: 'object' }, paths: { type: 'object' } },
}

const strings = { type: 'array', items: { type: 'string' } }
const object = (properties: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', required: Object.keys(properties), properties })

/** What `discoveryDocument` returns: the fields a tool follows to every list and to the contract. */
const DISCOVERY_SCHEMA = {
  ...object({
    description: { type: 'string' },
    company: { type: 'object', additionalProperties: { type: 'string' } },
    schema: { const: SCHEMA_URL },
    entrySchema: { const: ENTRY_SCHEMA_URL },
    openapi: { const: DOCUMENTS.openapi.url },
    version: { type: 'integer', minimum: 1 },
    publishedAt: { type: 'string', format: 'date-time' },
    lastUpdated: { type: 'string', format: 'date' },
    languages: strings,
    defaultLanguage: { type: 'string' },
    regions: { type: 'array', items: object({ id: { type: 'string' }, name: { type: 'object', additionalProperties: { type: 'string' } } }) },
    formats: { type: 'array', items: object({ format: oneOf(FORMATS), type: { type: 'string' } }) },
    lists: {
      type: 'array',
      items: object({ region: { type: 'string' }, lang: { type: 'string' }, format: oneOf(FORMATS), type: { type: 'string' }, href: { type: 'string', format: 'uri-reference' } }),
    },
    entry: object({ template: { type: 'string' }, ids: { type: 'string', format: 'uri-reference' } }),
  }),
  title: 'Discovery',
}

/** One error body for every route, in `components.responses`: GET refers to them, HEAD carries their headers alone. */
const ERROR_RESPONSES = {
  400: errorResponse('BadRequest', 'A parameter has an unknown value, is given twice, or disagrees with the path.'),
  404: errorResponse('NotFound', 'Nothing is published at this URL: no sub-processor has this id, or no route has this path.'),
  406: errorResponse('NotAcceptable', 'Accept allows none of JSON, CSV and HTML.', { Vary: header('The choice depended on Accept.', oneOf(['Accept'])) }),
  503: errorResponse('Unavailable', '`not_published`: nothing has been published yet; `storage_fault`: storage lacks or damaged bytes the release says exist. Retry after the given seconds.', {
    'Retry-After': header('Seconds to wait before retrying.', { type: 'string', pattern: '^[0-9]+$' }, true),
  }),
}
type ErrorStatus = keyof typeof ERROR_RESPONSES

/** A read-only resource: what its 200 carries, and the errors a request for it can meet besides 503. */
interface ReadRoute {
  /** Names its operations: `get<name>` and `head<name>`. */
  name: string
  /** Also describes its 200. */
  summary: string
  parameters: Parameter[]
  headers: Record<string, Header>
  content: Record<string, { schema: JsonSchema }>
  errors: ErrorStatus[]
}

const CONDITIONAL_PARAMETERS = [
  param('If-None-Match', 'header', 'ETags from earlier responses; a match answers 304.', { type: 'string' }),
  param('If-Modified-Since', 'header', 'Used only without If-None-Match.', { type: 'string' }),
]

const retainedOn304 = new Set(RETAINED_304_HEADERS)

/**
 * GET and HEAD of one route: the same parameters and headers, and HEAD without a body. Every
 * representation revalidates with If-None-Match, and every route answers 503 until a publish.
 */
function readOperations(route: ReadRoute) {
  const errors = [...route.errors, 503 as const].sort((a, b) => a - b)
  const notModified: ResponseObject = {
    description: 'Not modified: If-None-Match matched the ETag, or If-Modified-Since is not before Last-Modified.',
    headers: Object.fromEntries(Object.entries(route.headers).filter(([name]) => retainedOn304.has(name.toLowerCase()))),
  }
  const ok: ResponseObject = { description: route.summary, headers: route.headers }
  const operation = (method: 'get' | 'head', summary: string, ok: ResponseObject, error: (status: ErrorStatus) => object) => ({
    operationId: `${method}${route.name}`,
    summary,
    parameters: [...route.parameters, ...CONDITIONAL_PARAMETERS],
    responses: { 200: ok, 304: notModified, ...Object.fromEntries(errors.map((status) => [status, error(status)])) },
  })
  return {
    get: operation('get', route.summary, { ...ok, content: route.content }, (status) => ({ $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` })),
    head: operation('head', `${route.summary}, headers only`, ok, (status) => {
      const { content: _, ...headersOnly } = ERROR_RESPONSES[status].response
      return headersOnly
    }),
  }
}

/** The OpenAPI 3.1 description of every public route, with the JSON Schema as its components. */
export function openApiDocument(data: RegistryData, stamp: ReleaseStamp) {
  const { company } = data.registry
  const schema = registryJsonSchema() as { $defs: Record<string, unknown> } & Record<string, unknown>
  const { $schema: _, $defs, ...listSchema } = schema
  const components = JSON.parse(
    JSON.stringify({ SubprocessorList: listSchema, ...$defs, Error: z.toJSONSchema(ErrorDocument, { target: 'draft-2020-12' }) }).replaceAll('#/$defs/', '#/components/schemas/'),
  ) as Record<string, Record<string, unknown>>
  delete components.Error!.$schema
  components.Discovery = DISCOVERY_SCHEMA

  const lang = param('lang', 'query', 'Language; else Accept-Language; else the default.', oneOf(LANGUAGES))
  const acceptLanguage = param('Accept-Language', 'header', 'Consulted when `lang` is absent.', { type: 'string' })
  const format = param('format', 'query', 'Format; overrides Accept. Must agree with a path suffix.', oneOf(FORMATS))
  const formatInPath = param('format', 'path', 'Format; overrides Accept.', oneOf(FORMATS))
  const id = param('id', 'path', 'The id of a sub-processor.', { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' })
  const region = param('region', 'query', "Customer region; else the visitor's country through the operator's mapping; else `all`.", oneOf(listRegions(data)))

  const formats = (jsonSchema: string) => ({
    'application/json': { schema: { $ref: `#/components/schemas/${jsonSchema}` } },
    'text/csv': { schema: { type: 'string' } },
    'text/html': { schema: { type: 'string' } },
  })
  const list = (name: string, pathParameters: Parameter[]) =>
    readOperations({
      name,
      summary: 'The sub-processors that apply to a customer region',
      parameters: [...pathParameters, region, lang, format, acceptLanguage],
      headers: negotiatedHeaders(LANGUAGES, SHARED_UNLESS_LOCATED),
      content: formats('SubprocessorList'),
      errors: [400, 406],
    })
  const entry = (name: string, pathParameters: Parameter[]) =>
    readOperations({
      name,
      summary: 'One sub-processor, with the regions it applies to',
      parameters: [id, ...pathParameters, lang, format, acceptLanguage],
      headers: negotiatedHeaders(LANGUAGES, SHARED),
      content: formats('SubprocessorDocument'),
      errors: [400, 404, 406],
    })
  const document = (name: string, summary: string, type: string, body: JsonSchema) =>
    readOperations({ name, summary, parameters: [], headers: DOCUMENT_HEADERS, content: { [type]: { schema: body } }, errors: [] })

  return {
    openapi: '3.1.0',
    info: {
      title: `${company.service} sub-processor registry`,
      version: String(stamp.version),
      description: `The sub-processors of ${company.name} by customer region and language, as JSON, CSV and HTML. Every response carries a strong ETag; poll with If-None-Match and receive 304 until the list changes.`,
      contact: { name: company.name, email: company.dpaContactEmail },
      license: { name: 'MIT', identifier: 'MIT' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // Relative: the registry is served from wherever it is deployed, and so is this document.
    servers: [{ url: '/', description: 'The origin that serves this document.' }],
    // Public: no operation needs credentials.
    security: [],
    paths: {
      '/': list('SubprocessorListAtRoot', []),
      '/subprocessors': list('SubprocessorList', []),
      '/subprocessors.{format}': list('SubprocessorListInFormat', [formatInPath]),
      '/subprocessors/{id}': entry('Subprocessor', []),
      '/subprocessors/{id}.{format}': entry('SubprocessorInFormat', [formatInPath]),
      [DOCUMENTS.schema.url]: document('JsonSchema', 'The JSON Schema of the JSON documents', DOCUMENTS.schema.contentType, JSON_SCHEMA_DOCUMENT),
      [DOCUMENTS.openapi.url]: document('OpenApiDocument', 'This description', 'application/vnd.oai.openapi+json', OPENAPI_DOCUMENT),
      [DOCUMENTS.discovery.url]: document('DiscoveryDocument', 'Links to every list, format and language, the schema and this description', 'application/json', {
        $ref: '#/components/schemas/Discovery',
      }),
    },
    components: {
      schemas: components,
      responses: Object.fromEntries(Object.values(ERROR_RESPONSES).map(({ name, response }) => [name, response])),
    },
  }
}
