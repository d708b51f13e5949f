import { ALL_REGIONS, DOCUMENTS, ENTRY_SCHEMA_URL, FORMATS, MEDIA_TYPES, SCHEMA_URL, viewUrl } from '../domain/representation'
import { type Edition, listRegions, regionName } from './model'
import { ErrorDocument, type RegistryData, registryJsonSchema } from './schema'
import { z } from 'zod'

/** `/.well-known/subprocessors`: everything a tool needs to find the registry and its contract. */
export function discoveryDocument(data: RegistryData, edition: Edition) {
  const { company, lastUpdated, languages } = data.registry
  return {
    description: `${company.service} sub-processors, published by ${company.name}`,
    company,
    version: edition.version,
    publishedAt: edition.publishedAt,
    lastUpdated,
    schema: SCHEMA_URL,
    entrySchema: ENTRY_SCHEMA_URL,
    openapi: DOCUMENTS.openapi.url,
    languages: [...languages],
    defaultLanguage: data.registry.defaultLanguage,
    regions: listRegions(data).map((id) => ({ id, name: Object.fromEntries(languages.map((lang) => [lang, regionName(data, id, lang)])) })),
    formats: FORMATS.map((format) => ({ format, type: MEDIA_TYPES[format] })),
    lists: listRegions(data).flatMap((region) =>
      languages.flatMap((lang) =>
        FORMATS.map((format) => ({ region, lang, format, type: MEDIA_TYPES[format], href: viewUrl({ kind: 'list', region, lang, format }) })),
      ),
    ),
    entry: { template: '/subprocessors/{id}.{format}?lang={lang}', ids: viewUrl({ kind: 'list', region: ALL_REGIONS, lang: data.registry.defaultLanguage, format: 'json' }) },
  }
}

const header = (description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ description, schema })

const REPRESENTATION_HEADERS = {
  ETag: header('Strong validator of these bytes, computed when the version was published.'),
  'Last-Modified': header('When the version was published.'),
  'Cache-Control': header('`public` where the URL names every choice that depends on the visitor; `private` where the region came from their location.'),
  Vary: header('`Accept` unless the URL fixes the format; `Accept-Language` unless it fixes the language.'),
  'Content-Location': header('The URL that names region, language and format, and serves these same bytes.'),
}

const LIST_HEADERS = {
  ...REPRESENTATION_HEADERS,
  'Content-Language': header('The language served.'),
  Link: header('`rel="alternate"` for the other formats and languages, `rel="describedby"` for the JSON Schema.'),
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })

const NOT_MODIFIED = { description: 'Not modified: If-None-Match matched the ETag, or If-Modified-Since is not before Last-Modified.', headers: REPRESENTATION_HEADERS }

const param = (name: string, location: 'query' | 'path' | 'header', description: string, schema: Record<string, unknown>, required = false) => ({
  name,
  in: location,
  description,
  required: required || location === 'path',
  schema,
})

/** The OpenAPI 3.1 description of every public route, with the JSON Schema as its components. */
export function openApiDocument(data: RegistryData, edition: Edition) {
  const regionIds = listRegions(data)
  const schema = registryJsonSchema(data.registry.languages) as { $defs: Record<string, unknown> } & Record<string, unknown>
  const { $schema: _, $defs, ...list } = schema
  const components = JSON.parse(
    JSON.stringify({ SubprocessorList: list, ...$defs, Error: z.toJSONSchema(ErrorDocument, { target: 'draft-2020-12' }) }).replaceAll('#/$defs/', '#/components/schemas/'),
  ) as Record<string, Record<string, unknown>>
  delete components.Error!.$schema

  const conditional = [
    param('If-None-Match', 'header', 'ETags from earlier responses; a match answers 304.', { type: 'string' }),
    param('If-Modified-Since', 'header', 'Used only without If-None-Match.', { type: 'string' }),
  ]
  const lang = param('lang', 'query', 'Language; else Accept-Language; else the default.', { type: 'string', enum: [...data.registry.languages] })
  const acceptLanguage = param('Accept-Language', 'header', 'Consulted when `lang` is absent.', { type: 'string' })
  const format = param('format', 'query', 'Format; overrides Accept. Must agree with a path suffix.', { type: 'string', enum: [...FORMATS] })
  const formatInPath = param('format', 'path', 'Format; overrides Accept.', { type: 'string', enum: [...FORMATS] })
  const id = param('id', 'path', 'The id of a sub-processor.', { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' })
  const region = param('region', 'query', "Customer region; else the visitor's country through the operator's mapping; else `all`.", { type: 'string', enum: regionIds })

  const formats = (jsonSchema: string) => ({
    'application/json': { schema: { $ref: `#/components/schemas/${jsonSchema}` } },
    'text/csv': { schema: { type: 'string' }, example: '"ID","Legal entity",…' },
    'text/html': { schema: { type: 'string' } },
  })
  const readOnly = (summary: string, parameters: unknown[], jsonSchema: string, extra: Record<string, unknown>) => ({
    get: {
      summary,
      parameters: [...parameters, acceptLanguage, ...conditional],
      responses: {
        200: { description: 'The representation negotiated from the URL, Accept and Accept-Language.', headers: LIST_HEADERS, content: formats(jsonSchema) },
        304: NOT_MODIFIED,
        400: errorResponse('A parameter has an unknown value, is given twice, or disagrees with the path.'),
        406: errorResponse('Accept allows none of JSON, CSV and HTML.'),
        503: errorResponse('Nothing has been published yet.'),
        ...extra,
      },
    },
  })
  const listItem = readOnly('The sub-processors that apply to a customer region', [region, lang, format], 'SubprocessorList', {})
  const entryItem = readOnly('One sub-processor, with the regions it applies to', [lang, format], 'SubprocessorDocument', {
    404: errorResponse('No sub-processor has this id.'),
  })
  const document = (summary: string, type: string) => ({
    get: {
      summary,
      parameters: conditional,
      responses: { 200: { description: summary, headers: REPRESENTATION_HEADERS, content: { [type]: { schema: { type: 'object' } } } }, 304: NOT_MODIFIED },
    },
  })

  return {
    openapi: '3.1.0',
    info: {
      title: `${data.registry.company.service} sub-processor registry`,
      version: String(edition.version),
      description: `The sub-processors of ${data.registry.company.name} by customer region and language, as JSON, CSV and HTML. Every response carries a strong ETag; poll with If-None-Match and receive 304 until the list changes.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/': listItem,
      '/subprocessors': listItem,
      '/subprocessors.{format}': { ...listItem, get: { ...listItem.get, parameters: [formatInPath, ...listItem.get.parameters] } },
      '/subprocessors/{id}': { ...entryItem, get: { ...entryItem.get, parameters: [id, ...entryItem.get.parameters] } },
      '/subprocessors/{id}.{format}': { ...entryItem, get: { ...entryItem.get, parameters: [id, formatInPath, ...entryItem.get.parameters] } },
      [DOCUMENTS.schema.url]: document('The JSON Schema of the JSON documents', DOCUMENTS.schema.contentType),
      [DOCUMENTS.openapi.url]: document('This description', 'application/vnd.oai.openapi+json'),
      [DOCUMENTS.discovery.url]: document('Links to every list, format and language, the schema and this description', 'application/json'),
    },
    components: { schemas: components },
  }
}
