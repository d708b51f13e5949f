/**
 * The OpenAPI 3.1 description of every route and webhook, with headers, statuses and bodies; its
 * components are the JSON Schemas derived from the zod schemas of the served documents.
 */
import { RETAINED_304_HEADERS } from 'hono/etag'
import { cachingHeaders, immutableCaching, UNNEGOTIATED_CACHING } from '../../domain/caching'
import { EVIDENCE_FORMAT } from '../../domain/evidence'
import {
  CHANGE_FORMATS,
  DOCUMENTS,
  ENTRY_SCHEMA_URL,
  FORMATS,
  LOG_CHECKPOINT_URL,
  LOG_TILES_URL,
  MEDIA_TYPES,
  manifestUrl,
  SCHEMA_URL,
  VERSION_FORMATS,
  REGISTRY_FORMAT,
} from '../../domain/representation'
import { MANIFEST_FORMAT } from '../../domain/evidence'
import { type ReleaseStamp, listRegions } from '../render/model'
import { CONFORMANCE } from './discovery'
import { ErrorDocument, registryJsonSchema } from './schema'
import type { RegistryData } from '../input/schema'
import { z } from 'zod'
import { CHANGE_EVENTS, VERIFICATION_EVENT } from '../../webhooks/events'
import { MAX_PREVIOUS_SECRETS } from '../../webhooks/retry'
import { OUTCOMES } from '../../domain/objection'
import { MAX_BODY_BYTES, SubscriptionRequest } from '../../webhooks/subscribe'
import { AdminView, DeliveriesView, NewSubscription, RotatedSecret, SubscriptionView } from '../../webhooks/views'

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

const param = (
  name: string,
  location: Parameter['in'],
  description: string,
  schema: JsonSchema,
  required = false,
): Parameter => ({
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
const IMMUTABLE_CACHE_CONTROL = immutableCaching({})['Cache-Control']
// Within MAX_AGE_SECONDS of an announced change taking effect, max-age ends when it does.
const UNTIL_NEXT_STATE = '(public|private), max-age=\\d+'
const VARY_VALUES = [{}, { format: 'json' }, { lang: 'en' }].map((fixed) => cachingHeaders(fixed, true).Vary!)
const exactly = (values: string[]) => values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')

// RFC 9110: a strong entity tag is an opaque quoted string, and HTTP-dates are sent as IMF-fixdate.
const STRONG_ETAG = { type: 'string', pattern: '^"[!#-~]+"$' }
const HTTP_DATE = {
  type: 'string',
  pattern:
    '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$',
}

const CONTENT_DIGEST = header(
  "RFC 9530: `sha-256=:<base64>:` of these bytes, the digest the version's manifest lists.",
  { type: 'string', pattern: '^sha-256=:[A-Za-z0-9+/]{43}=:$' },
)

const VALIDATOR_HEADERS = {
  ETag: header('Strong validator of these bytes, computed when the version was published.', STRONG_ETAG),
  'Content-Digest': CONTENT_DIGEST,
  'Last-Modified': header(
    'When the state of the version these bytes show began: its publish, or an announced change taking effect.',
    HTTP_DATE,
  ),
  'Content-Location': header('The URL that names every choice, and serves these same bytes.', {
    type: 'string',
    format: 'uri-reference',
  }),
}

const VARY = header(
  '`Accept` unless the URL fixes the format; `Accept-Language` unless it fixes the language.',
  oneOf(VARY_VALUES),
  false,
)

/** The headers of a list, an entry or the change log, whose format and language may be negotiated. */
function negotiatedHeaders(languages: readonly string[], cacheControl: Header): Record<string, Header> {
  return {
    ...VALIDATOR_HEADERS,
    'Cache-Control': cacheControl,
    Vary: VARY,
    'Content-Language': header('The language served.', oneOf(languages)),
    Link: header(
      '`rel="alternate"` for the other formats and languages, `rel="describedby"` for the JSON Schema and for the version\'s manifest.',
      { type: 'string' },
    ),
    'Content-Disposition': header(
      'CSV only: a download named after the subject, language and version.',
      { type: 'string', pattern: '^attachment; filename="[^"]+\\.csv"$' },
      false,
    ),
  }
}

const SHARED = header(
  'Shared caches may keep it: it depends on nothing but the URL and the headers `Vary` names.',
  oneOf([SHARED_CACHE_CONTROL]),
)
const cacheControl = (description: string, values: string[]) =>
  header(description, { type: 'string', pattern: `^(?:${exactly(values)}|${UNTIL_NEXT_STATE})$` })
const SHARED_OR_VERSIONED = cacheControl(
  '`public`; `immutable` for a version named by `?version=`; a shorter max-age when an announced change takes effect sooner.',
  [SHARED_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL],
)
const SHARED_UNLESS_LOCATED = cacheControl(
  "`public` where the URL names the region; `private` where it came from the visitor's location or the default; `immutable` for `?version=` or a settled past `?at=`; a shorter max-age when an announced change takes effect sooner.",
  [SHARED_CACHE_CONTROL, PER_VISITOR_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL],
)
const SHARED_UNTIL_NEXT_STATE = cacheControl(
  '`public`; a shorter max-age when an announced change takes effect sooner.',
  [SHARED_CACHE_CONTROL],
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
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: { type: 'object' },
    paths: { type: 'object' },
  },
}

const strings = { type: 'array', items: { type: 'string' } }
const object = (properties: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
})

/** What `discoveryDocument` returns: the links a tool follows to every list, log and proof, and the contract. */
const link = (properties: Record<string, JsonSchema>) => ({
  type: 'array',
  items: object({ ...properties, type: { type: 'string' }, href: { type: 'string', format: 'uri-reference' } }),
})
const DISCOVERY_SCHEMA = {
  ...object({
    format: { const: REGISTRY_FORMAT },
    conformance: { type: 'array', items: oneOf(CONFORMANCE) },
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
    regions: {
      type: 'array',
      items: object({ id: { type: 'string' }, name: { type: 'object', additionalProperties: { type: 'string' } } }),
    },
    formats: { type: 'array', items: object({ format: oneOf(FORMATS), type: { type: 'string' } }) },
    lists: link({ region: { type: 'string' }, lang: { type: 'string' }, format: oneOf(FORMATS) }),
    history: object({
      versions: link({ lang: { type: 'string' }, format: oneOf(VERSION_FORMATS) }),
      changes: link({ region: { type: 'string' }, lang: { type: 'string' }, format: oneOf(CHANGE_FORMATS) }),
      changeLogs: link({ region: { type: 'string' }, lang: { type: 'string' }, format: { const: 'json' } }),
    }),
    notice: object({ periodDays: { type: 'integer', minimum: 0 }, objectionsTo: { type: 'string' } }),
    evidence: object({
      origin: {
        type: 'string',
        description: "The log's origin line (C2SP tlog-checkpoint), also the name of its key.",
      },
      verifierKey: {
        type: ['string', 'null'],
        description: 'The signed-note verifier key that signs the checkpoints: pin it.',
      },
      checkpoint: { const: LOG_CHECKPOINT_URL },
      tiles: {
        const: LOG_TILES_URL,
        description:
          "The prefix of the log's C2SP tlog-tiles (hash tiles only; each leaf is a manifest, linked from the version index).",
      },
    }),
    push: object({
      subscribe: { type: 'string', format: 'uri-reference' },
      events: strings,
      signatures: { const: 'standard-webhooks' },
    }),
    templates: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: "This registry's own URL templates (RFC 6570): a reader may use them, and never needs them.",
    },
  }),
  title: 'Discovery',
}
// Only a registry that takes objections says where and with which receipt key.
;(DISCOVERY_SCHEMA as unknown as { properties: Record<string, JsonSchema> }).properties.objections = {
  type: 'object',
  required: ['submit', 'inclusion', 'receiptKey'],
  properties: {
    submit: { type: 'string', format: 'uri-reference' },
    inclusion: {
      type: 'string',
      description: 'A URI template: `{digest}` is the signed objection’s SHA-256 in base64url.',
    },
    receiptKey: { type: 'string' },
  },
  description:
    'Where a registered customer sends a signed objection, where it proves the objection committed to, and the key its receipts are signed with.',
}

const nullableString = (format?: string): JsonSchema => ({ type: ['string', 'null'], ...(format ? { format } : {}) })

const SHA256 = { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$', description: 'SHA-256, base64.' }
const MANIFEST_REPRESENTATION = {
  type: 'object',
  required: ['url', 'kind', 'type', 'sha256'],
  properties: {
    url: { type: 'string', format: 'uri-reference' },
    kind: oneOf(['list', 'entry', 'changes', 'versions', 'document']),
    region: { type: 'string' },
    lang: { type: 'string' },
    format: { type: 'string' },
    scheduled: { const: true },
    complete: { const: true, description: 'The whole change log, as `?since=0` serves it.' },
    name: { type: 'string' },
    type: { type: 'string' },
    sha256: SHA256,
  },
  additionalProperties: false,
}

/** A version's manifest (src/publish/manifest.ts): what a leaf of the signed log is. */
const MANIFEST_SCHEMA = {
  type: 'object',
  required: ['format', 'origin', 'version', 'publishedAt', 'parent', 'data', 'signer', 'states', 'representations'],
  properties: {
    format: { const: MANIFEST_FORMAT },
    origin: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    publishedAt: { type: 'string', format: 'date-time' },
    parent: {
      oneOf: [{ type: 'null' }, object({ version: { type: 'integer', minimum: 1 }, sha256: SHA256 })],
      description: "The previous version's manifest, by the SHA-256 of its bytes.",
    },
    data: object({ sha256: SHA256 }),
    signer: {
      type: 'string',
      description: 'The verifier key that signs the checkpoint first including this manifest.',
    },
    rotatedFrom: {
      type: 'string',
      description: "The key this version rotates away from; its checkpoint carries that key's signature too.",
    },
    receiptKey: {
      type: 'string',
      description: 'The verifier key that signs objection receipts in this version (docs/objections.md).',
    },
    objections: {
      ...object({ size: { type: 'integer', minimum: 0 }, root: SHA256 }),
      description:
        'The objections received since the version before: how many, and the RFC 6962 root over their SHA-256 digests, oldest first (docs/objections.md).',
    },
    states: {
      type: 'array',
      items: object({
        from: { type: 'string', format: 'date-time' },
        until: nullableString('date-time'),
        representations: { type: 'array', items: MANIFEST_REPRESENTATION },
      }),
    },
    representations: { type: 'array', items: MANIFEST_REPRESENTATION },
  },
  additionalProperties: false,
  title: 'Manifest',
}

const EVIDENCE_SCHEMA = {
  ...object({
    format: { const: EVIDENCE_FORMAT },
    version: { type: 'integer', minimum: 1 },
    leafIndex: { type: 'integer', minimum: 0 },
    treeSize: { type: 'integer', minimum: 1 },
    manifest: { type: 'string', description: "The manifest's exact bytes: the leaf is SHA-256(0x00 ‖ these bytes)." },
    inclusionProof: {
      type: 'array',
      items: SHA256,
      description: "RFC 6962 audit path from the leaf to the checkpoint's root.",
    },
    checkpoint: {
      type: 'string',
      description:
        "The C2SP signed checkpoint the proof leads to, with any witnesses' cosignatures after the log's signatures.",
    },
    links: object({
      manifest: { type: 'string' },
      checkpoint: { type: 'string' },
      tiles: { type: 'string' },
      proof: { type: 'string' },
    }),
  }),
  title: 'Evidence',
}

/** JSON Feed 1.1 (jsonfeed.org/version/1.1), as the change log serves it; each item carries the typed change. */
const JSON_FEED_SCHEMA = {
  ...object({
    version: { const: 'https://jsonfeed.org/version/1.1' },
    title: { type: 'string' },
    home_page_url: { type: 'string', format: 'uri' },
    feed_url: { type: 'string', format: 'uri' },
    description: { type: 'string' },
    language: { type: 'string' },
    authors: { type: 'array', items: object({ name: { type: 'string' } }) },
    _subprocessor_registry: object({ format: { const: REGISTRY_FORMAT } }),
    items: {
      type: 'array',
      items: object({
        id: { type: 'string' },
        url: { type: 'string', format: 'uri' },
        title: { type: 'string' },
        content_text: { type: 'string' },
        date_published: { type: 'string', format: 'date-time' },
        date_modified: { type: 'string', format: 'date-time' },
        tags: strings,
        _subprocessor_change: { $ref: '#/components/schemas/Change' },
      }),
    },
  }),
  title: 'JSON Feed',
}

/** One error body for every route, in `components.responses`: GET refers to them, HEAD carries their headers alone. */
const ERROR_RESPONSES = {
  400: errorResponse('BadRequest', 'A parameter has an unknown value, is given twice, or disagrees with the path.'),
  404: errorResponse(
    'NotFound',
    'Nothing is published at this URL: no sub-processor has this id (in this version), no such version was published (`unknown_version`), the version is older than the language or entry asked for (`not_in_version`, naming the version that first has it), or no route has this path.',
  ),
  406: errorResponse('NotAcceptable', 'Accept allows none of the formats this resource comes in.', {
    Vary: header('The choice depended on Accept.', oneOf(['Accept'])),
  }),
  503: errorResponse(
    'Unavailable',
    '`not_published`: nothing has been published yet; `storage_fault`: storage lacks or damaged bytes the release says exist. Retry after the given seconds.',
    {
      'Retry-After': header('Seconds to wait before retrying.', { type: 'string', pattern: '^[0-9]+$' }, true),
    },
  ),
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
    headers: Object.fromEntries(
      Object.entries(route.headers).filter(([name]) => retainedOn304.has(name.toLowerCase())),
    ),
  }
  const ok: ResponseObject = { description: route.summary, headers: route.headers }
  const operation = (
    method: 'get' | 'head',
    summary: string,
    ok: ResponseObject,
    error: (status: ErrorStatus) => object,
  ) => ({
    operationId: `${method}${route.name}`,
    summary,
    parameters: [...route.parameters, ...CONDITIONAL_PARAMETERS],
    responses: { 200: ok, 304: notModified, ...Object.fromEntries(errors.map((status) => [status, error(status)])) },
  })
  return {
    get: operation('get', route.summary, { ...ok, content: route.content }, (status) => ({
      $ref: `#/components/responses/${ERROR_RESPONSES[status].name}`,
    })),
    head: operation('head', `${route.summary}, headers only`, ok, (status) => {
      const { content: _, ...headersOnly } = ERROR_RESPONSES[status].response
      return headersOnly
    }),
  }
}

/** A component derived from its zod schema, without the `$schema` key that OpenAPI's components do not take. */
function jsonSchemaOf(schema: z.core.$ZodType): JsonSchema {
  const { $schema: _, ...component } = z.toJSONSchema(schema, { target: 'draft-2020-12' })
  return component
}

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } })
const problem = (description: string, headers: Record<string, Header> = {}): ResponseObject => ({
  description,
  headers: { ...NO_STORE, ...headers },
  content: ERROR_BODY,
})
const RETRY_AFTER = {
  'Retry-After': header('Seconds to wait before retrying.', { type: 'string', pattern: '^[0-9]+$' }),
}
const UNAUTHORIZED = problem('`unauthorized`: no bearer token, or not the right one.', {
  'WWW-Authenticate': header('The scheme to use.', oneOf(['Bearer realm="webhooks"'])),
})
const ok = (description: string, body: string): ResponseObject => ({
  description,
  headers: NO_STORE,
  content: json(body),
})

/** The routes that subscribe to change events and manage a subscription, and the operator's view. */
function webhookPaths() {
  const id = param('id', 'path', 'The subscription id.', { type: 'string' })
  const managed = (operationId: string, summary: string, responses: Record<string, ResponseObject>) => ({
    operationId,
    summary,
    tags: ['Webhooks'],
    security: [{ managementToken: [] }],
    parameters: [id],
    // An unknown id answers as a wrong token does, so that ids cannot be probed.
    responses: { ...responses, 401: UNAUTHORIZED },
  })
  const verificationFailed = problem(
    '`verification_failed`: the endpoint did not echo the challenge in a 2xx within 10 s, or the outbound rules stopped the request. Why is told to the operator only.',
  )
  const rateLimited = problem(
    '`rate_limited`: too many verification requests from this client or from everyone this hour, or the host has no place left.',
    RETRY_AFTER,
  )
  return {
    '/webhooks': {
      post: {
        operationId: 'createWebhookSubscription',
        summary: 'Subscribe an endpoint to change events',
        description:
          "The endpoint first receives a signed `webhook.verification` event, with the request's `verificationToken`, and must echo its challenge in a 2xx within 10 s; only then is the subscription stored. Only `https:` URLs of public hosts are accepted, and the name must resolve to public addresses only. Rate-limited per client (an IPv6 client is its /64) and for everyone together, and capped per endpoint host.",
        tags: ['Webhooks'],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: jsonSchemaOf(SubscriptionRequest) } },
        },
        responses: {
          201: {
            description: 'Subscribed. The secret and the management token are shown this once.',
            headers: { ...NO_STORE, Location: header('The subscription.', { type: 'string' }) },
            content: json('NewWebhookSubscription'),
          },
          400: problem('`invalid_subscription`: `fields` names each field at fault.'),
          413: problem(`\`payload_too_large\`: the body is over ${MAX_BODY_BYTES} bytes.`),
          415: problem('`unsupported_media_type`: the body is not sent as `application/json`.'),
          422: verificationFailed,
          429: rateLimited,
          503: { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/webhooks/{id}': {
      get: managed('getWebhookSubscription', 'A subscription and its health', {
        200: ok('The subscription.', 'WebhookSubscription'),
      }),
      delete: managed('deleteWebhookSubscription', 'Unsubscribe', {
        204: { description: 'Unsubscribed; its attempts are deleted too.', headers: NO_STORE },
      }),
    },
    '/webhooks/{id}/rotate-secret': {
      post: managed(
        'rotateWebhookSecret',
        'A new signing secret; each previous one keeps signing for 24 hours from its rotation',
        {
          200: {
            description:
              'The new secret, shown once. Until `previousSecretExpiresAt` every delivery carries a signature by each secret still signing.',
            headers: NO_STORE,
            content: {
              'application/json': {
                schema: jsonSchemaOf(RotatedSecret),
              },
            },
          },
          429: problem(`\`rate_limited\`: ${MAX_PREVIOUS_SECRETS} previous secrets still sign.`, RETRY_AFTER),
        },
      ),
    },
    '/webhooks/{id}/enable': {
      post: managed('enableWebhookSubscription', 'Re-enable a disabled subscription, after a new verification', {
        200: ok('The subscription, active.', 'WebhookSubscription'),
        422: verificationFailed,
        429: rateLimited,
      }),
    },
    '/webhooks/{id}/deliveries': {
      get: managed('listWebhookDeliveries', 'The recent delivery attempts', {
        200: ok('The attempts, newest first.', 'WebhookDeliveries'),
      }),
    },
    '/admin/webhooks': {
      get: {
        operationId: 'listWebhookSubscriptions',
        summary: 'Every subscription and its health, for the operator',
        tags: ['Webhooks'],
        security: [{ adminToken: [] }],
        responses: { 200: ok('Every subscription.', 'WebhookSubscriptions'), 401: UNAUTHORIZED },
      },
    },
    '/objections': {
      post: {
        operationId: 'objectToChange',
        summary: "A customer's objection to an announced change, answered with a signed receipt",
        description:
          "The body is a C2SP signed note by a registered customer's key (docs/objections.md). The same objection sent again gets the same receipt and is stored once.",
        tags: ['Objections'],
        requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string' } } } },
        responses: {
          200: {
            description: 'Received before: its receipt.',
            headers: NO_STORE,
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          201: {
            description: "Received: the receipt, a signed note by the registry's receipt key.",
            headers: NO_STORE,
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          400: problem('`unsigned_objection`, `invalid_objection`: not a signed note, or not an objection.'),
          403: problem('`unknown_customer`, `customer_revoked`, `invalid_signature`.'),
          404: problem('`unknown_change`: never announced, or withdrawn.'),
          409: problem('`objection_deadline_passed` (with `deadline`), `change_in_force`, `not_objectable`.'),
          413: problem('`payload_too_large`: over 8 KiB.'),
          415: problem('`unsupported_media_type`: not sent as `text/plain`.'),
          422: problem('`wrong_registry`: addressed to another registry.'),
          429: problem('`rate_limited`: more than 20 objections from one customer in an hour.'),
          503: { $ref: '#/components/responses/Unavailable' },
        },
      },
      get: {
        operationId: 'listObjections',
        summary: 'Every objection received, per change, for the operator',
        tags: ['Objections'],
        security: [{ adminToken: [] }],
        responses: {
          200: {
            description: 'The objections, per change.',
            headers: NO_STORE,
            content: {
              'application/json': {
                schema: { type: 'object', required: ['changes'], properties: { changes: { type: 'array' } } },
              },
            },
          },
          401: UNAUTHORIZED,
        },
      },
    },
    '/objections/{digest}/resolution': {
      post: {
        operationId: 'resolveObjection',
        summary: "The operator's answer to an objection, signed with the receipt key",
        description:
          "Pushed as `objection.resolved` to the customer's webhook subscription when it has one (docs/objections.md). One resolution per objection.",
        tags: ['Objections'],
        security: [{ adminToken: [] }],
        parameters: [
          param(
            'digest',
            'path',
            "The signed objection's SHA-256, base64url without padding.",
            { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
            true,
          ),
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['outcome', 'reason'],
                properties: {
                  outcome: { enum: [...OUTCOMES] },
                  reason: { type: 'string', minLength: 1, maxLength: 1000 },
                },
              },
            },
          },
        },
        responses: {
          201: {
            description: 'The resolution: a signed note by the receipt key.',
            headers: NO_STORE,
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          400: problem('`invalid_resolution` (with `fields`), `invalid_digest`.'),
          401: UNAUTHORIZED,
          404: problem('`unknown_objection`.'),
          409: problem('`objection_resolved`: it has one.'),
          413: problem('`payload_too_large`: over 4 KiB.'),
          415: problem('`unsupported_media_type`: not JSON.'),
          503: { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/objections/{digest}/inclusion': {
      get: {
        operationId: 'objectionInclusion',
        summary: 'Where an objection sits under the commitment of the version that took it',
        description:
          "Public: only the objection's sender knows its digest, and the answer holds only hashes and positions. The root is the `objections.root` of that version's manifest (docs/objections.md).",
        tags: ['Objections'],
        parameters: [
          param(
            'digest',
            'path',
            "The signed objection's SHA-256, base64url without padding.",
            {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]{43}$',
            },
            true,
          ),
        ],
        responses: {
          200: {
            description: 'The inclusion: RFC 6962 audit path, base64, from the leaf up.',
            headers: NO_STORE,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['objection', 'version', 'index', 'size', 'proof'],
                  properties: {
                    objection: { type: 'string' },
                    version: { type: 'integer', minimum: 1 },
                    index: { type: 'integer', minimum: 0 },
                    size: { type: 'integer', minimum: 1 },
                    proof: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
            },
          },
          400: problem('`invalid_digest`: not a SHA-256 in base64url.'),
          404: problem(
            '`unknown_objection`: never received; `objection_not_committed`: the next version commits to it.',
          ),
        },
      },
    },
  }
}

const SIGNATURE_HEADERS = [
  param(
    'webhook-id',
    'header',
    "The event's id: the same on every retry, so that a receiver can deduplicate.",
    { type: 'string' },
    true,
  ),
  param(
    'webhook-timestamp',
    'header',
    'Unix seconds of this attempt; reject one more than 5 minutes old.',
    { type: 'string', pattern: '^[0-9]+$' },
    true,
  ),
  param(
    'webhook-signature',
    'header',
    '`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated: two during a secret rotation.',
    { type: 'string' },
    true,
  ),
]

/** The requests this registry sends to subscribers: Standard Webhooks v1, signed. */
function webhookEvents() {
  const event = (name: string, summary: string, schema: string, answer: string) => ({
    post: {
      operationId: name.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase()),
      summary,
      tags: ['Webhooks'],
      parameters: SIGNATURE_HEADERS,
      requestBody: { required: true, content: json(schema) },
      responses: {
        '2XX': { description: answer },
        '4XX': { description: 'Refused: retried like any failure, then dead-lettered.' },
      },
    },
  })
  const change =
    'Received. Anything else, a redirect or no answer within 10 s is retried (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and then dead-lettered.'
  return {
    [CHANGE_EVENTS[0]]: event(
      CHANGE_EVENTS[0],
      'A change is announced: at the first cron tick after the publish',
      'ChangeEvent',
      change,
    ),
    [CHANGE_EVENTS[1]]: event(
      CHANGE_EVENTS[1],
      'A change takes effect: at the first cron tick after its effective instant',
      'ChangeEvent',
      change,
    ),
    [CHANGE_EVENTS[2]]: event(
      CHANGE_EVENTS[2],
      'An announced change is taken back before it takes effect',
      'ChangeEvent',
      change,
    ),
    [VERIFICATION_EVENT]: event(
      VERIFICATION_EVENT,
      'Sent once when subscribing, and when re-enabling',
      'VerificationEvent',
      'The challenge, echoed: as the body, or as `{ "challenge": … }`.',
    ),
  }
}

/** The OpenAPI 3.1 description of every public route, with the JSON Schema as its components. */
export function openApiDocument(data: RegistryData, stamp: ReleaseStamp) {
  const { company } = data.registry
  const { languages } = data.registry
  const schema = registryJsonSchema(languages) as { $defs: Record<string, unknown> } & Record<string, unknown>
  const { $schema: _, $defs, ...listSchema } = schema
  const components = JSON.parse(
    JSON.stringify({
      SubprocessorList: listSchema,
      ...$defs,
      Error: z.toJSONSchema(ErrorDocument, { target: 'draft-2020-12' }),
    }).replaceAll('#/$defs/', '#/components/schemas/'),
  ) as Record<string, Record<string, unknown>>
  delete components.Error!.$schema
  components.Discovery = DISCOVERY_SCHEMA
  components.JsonFeed = JSON_FEED_SCHEMA
  components.Manifest = MANIFEST_SCHEMA
  components.Evidence = EVIDENCE_SCHEMA
  components.WebhookSubscription = jsonSchemaOf(SubscriptionView)
  components.NewWebhookSubscription = jsonSchemaOf(NewSubscription)
  components.WebhookDeliveries = jsonSchemaOf(DeliveriesView)
  components.WebhookSubscriptions = jsonSchemaOf(AdminView)

  const lang = param(
    'lang',
    'query',
    'Language; a regional variant (`en-GB`) is served its language, as Accept-Language is; else Accept-Language; else the default.',
    {
      anyOf: [
        oneOf(languages),
        { type: 'string', pattern: `^(?:${languages.join('|')})-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$` },
      ],
    },
  )
  const acceptLanguage = param('Accept-Language', 'header', 'Consulted when `lang` is absent.', { type: 'string' })
  const format = param('format', 'query', 'Format; overrides Accept. Must agree with a path suffix.', oneOf(FORMATS))
  const formatInPath = param('format', 'path', 'Format; overrides Accept.', oneOf(FORMATS))
  const id = param('id', 'path', 'The id of a sub-processor.', {
    type: 'string',
    pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
  })
  const region = param(
    'region',
    'query',
    "Customer region; else the visitor's country through the operator's mapping; else `all`.",
    oneOf(listRegions(data)),
  )

  const version = param(
    'version',
    'query',
    'A published version: its bytes exactly, with the ETag they had, cached for good. 404 `unknown_version` outside 1 to the latest (0 included).',
    { type: 'integer', minimum: 0 },
  )
  const at = param(
    'at',
    'query',
    'The list in force at a date (midnight UTC) or an RFC 3339 instant. In the past: the state then. In the future: the state announced now, with `"state": "scheduled"`. Not with `version`.',
    {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}(?:T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:[Zz]|[+-]\\d{2}:\\d{2}))?$',
    },
  )
  const since = param(
    'since',
    'query',
    "JSON only: the changes announced or withdrawn after this version, a poller's delta. 0 gives every change; beyond the latest, or another format, is a 400.",
    { type: 'integer', minimum: 0 },
  )
  const changeRegion = param(
    'region',
    'query',
    "Only the changes that touch this region's list; else every change.",
    oneOf(listRegions(data)),
  )
  const changeFormat = param(
    'format',
    'query',
    'Format; overrides Accept. Must agree with a path suffix.',
    oneOf(CHANGE_FORMATS),
  )
  const changeFormatInPath = param('format', 'path', 'Format; overrides Accept.', oneOf(CHANGE_FORMATS))
  const versionFormat = param(
    'format',
    'query',
    'Format; overrides Accept. Must agree with a path suffix.',
    oneOf(VERSION_FORMATS),
  )
  const versionFormatInPath = param('format', 'path', 'Format; overrides Accept.', oneOf(VERSION_FORMATS))

  const formats = (jsonSchema: string) => ({
    'application/json': { schema: { $ref: `#/components/schemas/${jsonSchema}` } },
    'text/csv': { schema: { type: 'string' } },
    'text/html': { schema: { type: 'string' } },
  })
  const list = (name: string, pathParameters: Parameter[]) =>
    readOperations({
      name,
      summary: 'The sub-processors that apply to a customer region',
      parameters: [...pathParameters, region, lang, format, version, at, acceptLanguage],
      headers: negotiatedHeaders(languages, SHARED_UNLESS_LOCATED),
      content: formats('SubprocessorList'),
      errors: [400, 404, 406],
    })
  const entry = (name: string, pathParameters: Parameter[]) =>
    readOperations({
      name,
      summary: 'One sub-processor, with the regions it applies to',
      parameters: [id, ...pathParameters, lang, format, version, acceptLanguage],
      headers: negotiatedHeaders(languages, SHARED_OR_VERSIONED),
      content: formats('SubprocessorDocument'),
      errors: [400, 404, 406],
    })
  const changes = (name: string, pathParameters: Parameter[]) =>
    readOperations({
      name,
      summary: 'What changed and what is coming: the typed change log, as JSON, CSV, a page, Atom 1.0 or JSON Feed 1.1',
      parameters: [...pathParameters, changeRegion, lang, changeFormat, since, acceptLanguage],
      headers: negotiatedHeaders(languages, SHARED_UNTIL_NEXT_STATE),
      content: {
        ...formats('ChangeLog'),
        [MEDIA_TYPES.atom]: { schema: { type: 'string' } },
        [MEDIA_TYPES.jsonfeed]: { schema: { $ref: '#/components/schemas/JsonFeed' } },
      },
      errors: [400, 406],
    })
  const versions = (name: string, pathParameters: Parameter[]) =>
    readOperations({
      name,
      summary: 'Every published version: number, publish time, parent and the counts of its changes',
      parameters: [...pathParameters, lang, versionFormat, acceptLanguage],
      headers: negotiatedHeaders(languages, SHARED),
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/Versions' } },
        'text/html': { schema: { type: 'string' } },
      },
      errors: [400, 406],
    })
  const document = (name: string, summary: string, type: string, body: JsonSchema) =>
    readOperations({
      name,
      summary,
      parameters: [],
      headers: DOCUMENT_HEADERS,
      content: { [type]: { schema: body } },
      errors: [],
    })
  const versionInPath = param(
    'version',
    'path',
    'A published version number.',
    { type: 'string', pattern: '^[1-9][0-9]{0,8}$', examples: ['1'] },
    true,
  )
  const immutable = header("A version's manifest never changes.", oneOf([IMMUTABLE_CACHE_CONTROL]))
  const evidenceHeaders = (cacheControl: Header) => ({
    ETag: VALIDATOR_HEADERS.ETag,
    'Content-Digest': CONTENT_DIGEST,
    'Cache-Control': cacheControl,
  })
  const tileParams = [
    param(
      'level',
      'path',
      "The tile's level: level L holds the hashes at height 8·L of the tree.",
      { type: 'string', pattern: '^(0|[1-9][0-9]?)$', examples: ['0'] },
      true,
    ),
    param(
      'index',
      'path',
      "The tile's index in three digits; an index of 1000 or more takes more segments (`x001/234`), as C2SP tlog-tiles writes it.",
      { type: 'string', pattern: '^[0-9]{3}$', examples: ['000'] },
      true,
    ),
    param(
      'width',
      'path',
      'The hashes a partial tile holds, 1 to 255; a full tile (256 hashes) has no `.p/{width}`.',
      { type: 'string', pattern: '^[1-9][0-9]{0,2}$', examples: ['1'] },
      true,
    ),
  ]

  return {
    openapi: '3.1.0',
    info: {
      title: `${company.service} sub-processor registry`,
      version: String(stamp.version),
      description: `The sub-processors of ${company.name} by customer region and language, as JSON, CSV and HTML, with every published version, the list at any instant, and a typed change log with Atom and JSON feeds. Every response carries a strong ETag; poll with If-None-Match and receive 304 until something changes.`,
      contact: { name: company.name, email: company.dpaContactEmail },
      license: { name: 'MIT', identifier: 'MIT' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // Relative: the registry is served from wherever it is deployed, and so is this document.
    servers: [{ url: '/', description: 'The origin that serves this document.' }],
    // Public: reading needs no credentials; the webhook routes name their bearer scheme.
    security: [],
    paths: {
      '/': list('SubprocessorListAtRoot', []),
      '/subprocessors': list('SubprocessorList', []),
      '/subprocessors.{format}': list('SubprocessorListInFormat', [formatInPath]),
      '/subprocessors/{id}': entry('Subprocessor', []),
      '/subprocessors/{id}.{format}': entry('SubprocessorInFormat', [formatInPath]),
      '/changes': changes('ChangeLog', []),
      '/changes.{format}': changes('ChangeLogInFormat', [changeFormatInPath]),
      '/versions': versions('Versions', []),
      '/versions.{format}': versions('VersionsInFormat', [versionFormatInPath]),
      [DOCUMENTS.schema.url]: document(
        'JsonSchema',
        'The JSON Schema of the JSON documents',
        DOCUMENTS.schema.contentType,
        JSON_SCHEMA_DOCUMENT,
      ),
      [DOCUMENTS.openapi.url]: document(
        'OpenApiDocument',
        'This description',
        'application/vnd.oai.openapi+json',
        OPENAPI_DOCUMENT,
      ),
      [DOCUMENTS.discovery.url]: document(
        'DiscoveryDocument',
        'Links to every list, format and language, the schema and this description',
        'application/json',
        {
          $ref: '#/components/schemas/Discovery',
        },
      ),
      [manifestUrl(0).replace('0', '{version}')]: readOperations({
        name: 'Manifest',
        summary:
          "A version's manifest: every representation of every state, with the SHA-256 of its bytes; one leaf of the signed log",
        parameters: [versionInPath],
        headers: { ...evidenceHeaders(immutable), 'Content-Location': VALIDATOR_HEADERS['Content-Location'] },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Manifest' } } },
        errors: [400, 404],
      }),
      '/versions/{version}/evidence': readOperations({
        name: 'Evidence',
        summary:
          'Everything to verify a version offline: its manifest, its leaf index, the inclusion proof to the current checkpoint, and that signed checkpoint',
        parameters: [versionInPath],
        headers: evidenceHeaders(SHARED),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Evidence' } } },
        errors: [400, 404],
      }),
      '/versions/{version}/proof': readOperations({
        name: 'TlogProof',
        summary:
          "A version's manifest as a C2SP tlog-proof: the manifest's bytes (extra), its index, the inclusion proof and the current checkpoint with its witnesses' cosignatures",
        parameters: [versionInPath],
        headers: {
          ...evidenceHeaders(SHARED),
          'Content-Disposition': header(
            'A download named for the registry and version, with the extension C2SP gives proofs.',
            { type: 'string', pattern: '^attachment; filename="[a-z0-9-]+-v[1-9][0-9]*\\.tlog-proof"$' },
          ),
        },
        content: { 'text/plain': { schema: { type: 'string' } } },
        errors: [400, 404],
      }),
      [LOG_CHECKPOINT_URL]: readOperations({
        name: 'Checkpoint',
        summary:
          "The log's latest checkpoint (C2SP tlog-checkpoint: origin, tree size, base64 root hash) as a C2SP signed note, Ed25519, followed by each witness's cosignature (C2SP tlog-cosignature) where the registry has witnesses",
        parameters: [],
        headers: evidenceHeaders(header('Briefly: every publish makes a new one.', oneOf(['public, max-age=10']))),
        content: { 'text/plain': { schema: { type: 'string' } } },
        errors: [],
      }),
      [`${LOG_TILES_URL}{level}/{index}.p/{width}`]: readOperations({
        name: 'LogTile',
        summary:
          'A hash tile of the log (C2SP tlog-tiles): the concatenated 32-byte hashes it holds. A full tile drops `.p/{width}` and never changes',
        parameters: tileParams,
        headers: evidenceHeaders(
          header(
            'A full tile never changes; a partial one is kept a minute.',
            oneOf([IMMUTABLE_CACHE_CONTROL, 'public, max-age=60']),
          ),
        ),
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        errors: [404],
      }),
      ...webhookPaths(),
    },
    // What the registry sends: signed change events, and the verification when subscribing.
    webhooks: webhookEvents(),
    components: {
      schemas: components,
      securitySchemes: {
        managementToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The management token a subscription was created with.',
        },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: "The operator's token, the Worker secret ADMIN_TOKEN.",
        },
      },
      responses: Object.fromEntries(Object.values(ERROR_RESPONSES).map(({ name, response }) => [name, response])),
    },
  }
}
