import { z } from 'zod'
import { CHANGE_TYPES, CHANGED_FIELDS, type ChangeRecord } from '../../domain/change'
import { ERROR_CODES, ERROR_STATUSES, type ErrorBody } from '../../domain/errors'
import { CHANGE_EVENTS, type ChangeEventPayload, VERIFICATION_EVENT } from '../../webhooks/events'
import { REGISTRY_FORMAT } from '../../domain/representation'
import {
  type Language,
  NOTE_KINDS,
  ROLES,
  REGION_IDS,
  RegionId,
  Category,
  CHANGE_STATUSES,
  SHORT_NOTICE_KINDS,
} from '../input/schema'

// The JSON representations, as the API serves them: a list, and one entry on its own.

const Note = z.strictObject({
  field: z.string().describe('The field the note is about.'),
  kind: z
    .enum(NOTE_KINDS)
    .optional()
    .describe(
      "`derived`: the field is the registry's reading of the source, not quoted from it. `translation`: how the field was translated. Absent: where the source is vague, incomplete or inconsistent.",
    ),
  text: z.string(),
})

const FormatLinks = z
  .strictObject({ html: z.string(), json: z.string(), csv: z.string() })
  .describe('The same document in each format, in the same language.')

export const SubprocessorDocument = z
  .strictObject({
    id: z.string().describe('Stable identifier; also the path of the entry, /subprocessors/{id}.'),
    name: z
      .string()
      .nullable()
      .describe(
        'The legal entity name exactly as the source writes it, never translated; null where the source names none.',
      ),
    alsoWrittenAs: z.array(z.string()).describe('Other spellings of the name in the source.'),
    product: z.string().nullable().describe('A product or brand the source names next to the entity.'),
    category: Category,
    categoryLabel: z.string().describe('The category as the source labels it, in the document language.'),
    roles: z.array(z.enum(ROLES)),
    purpose: z.string().describe('What the sub-processor does, in the document language.'),
    customers: z.string().nullable().describe('The customer group the source names for this row.'),
    location: z
      .strictObject({
        countries: z.array(z.string()).describe('ISO 3166-1 alpha-2 codes; empty where the source names no country.'),
        subdivisions: z.array(z.string()).describe('ISO 3166-2 codes.'),
        text: z.string().describe('The location as the source words it.'),
      })
      .nullable()
      .describe('null where the source gives no location.'),
    regions: z.array(RegionId).describe('The customer regions this entry applies to.'),
    assurances: z.array(
      z.strictObject({
        id: z.string(),
        text: z.string(),
        standards: z
          .array(z.string())
          .describe(
            'A facility meets at least one of these standards: the source joins them with “or” (lv “vai”). Not a list of certifications held.',
          ),
      }),
    ),
    notes: z.array(Note).describe('Where the source is incomplete or inconsistent.'),
  })
  .meta({ id: 'Subprocessor', title: 'A sub-processor, as it appears in a list' })

const Instant = z.iso.datetime()
const Format = z.literal(REGISTRY_FORMAT).describe('The version of Sub-processor Registry Format the document follows.')

/** The list, entry, change log and version index documents, whose `language` names one of the declared languages. */
export function documentSchemas(languages: readonly Language[]) {
  const Language = z
    .enum(languages as [Language, ...Language[]])
    .describe('A language the registry declares (ISO 639).')
  const Envelope = {
    version: z.int().min(1).describe('Counts publishes; every published version is kept.'),
    publishedAt: Instant.describe('When this version was published.'),
    lastUpdated: z.iso.date().describe('The date the source document gives for its last change.'),
    language: Language,
    sourceLanguage: Language,
  }
  const RegionOf = (description: string) =>
    z.strictObject({ id: z.enum([...REGION_IDS, 'all']), name: z.string() }).describe(description)

  const ChangeDocument = z
    .strictObject({
      id: z
        .string()
        .describe('Stable across publishes: the announcing version, the entry, the type and the effective instant.'),
      tag: z.string().describe('The same identity as a tag: URI (RFC 4151), as the Atom and JSON feeds give it.'),
      type: z.enum(CHANGE_TYPES),
      status: z.enum(CHANGE_STATUSES).describe('Where the change stands from the instant this document is in force.'),
      entry: z.strictObject({
        id: z.string(),
        name: z.string().nullable().describe('The legal name as written; null where the source names none.'),
        href: z
          .string()
          .describe(
            'The entry, in the same language; it answers 404 until an addition takes effect and after a removal does.',
          ),
        document: SubprocessorDocument.describe('The entry as it is after the change (before it, for a removal).'),
      }),
      summary: z.string().describe('One line: what changes, and when.'),
      fields: z
        .array(z.strictObject({ field: z.enum(CHANGED_FIELDS), before: z.unknown(), after: z.unknown() }))
        .describe(
          'For a modification, each changed field with its old and new value, as an entry document shows them; empty otherwise.',
        ),
      regions: z.array(RegionId).describe('The customer regions whose lists the change touches.'),
      version: z.int().min(1).describe('The version that announced the change.'),
      announcedAt: Instant,
      effectiveAt: Instant.describe('From this instant on, every list shows the change.'),
      objectionDeadline: Instant.nullable().describe(
        'Until when a customer may object, for a change that needs notice; null otherwise.',
      ),
      requiresNotice: z.boolean().describe('An addition, or a change of location, regions or category.'),
      shortNotice: z
        .strictObject({ kind: z.enum(SHORT_NOTICE_KINDS), reason: z.string() })
        .nullable()
        .describe('Why a change that needs notice takes effect sooner than the notice period.'),
      withdrawn: z
        .strictObject({ version: z.int().min(1), at: Instant })
        .nullable()
        .describe('Set when a later version took the change back before it took effect.'),
      amended: z
        .array(
          z.strictObject({
            version: z.int().min(1),
            at: Instant,
            changed: z.array(z.string()).describe('`effectiveAt`, `regions`, `shortNotice`, or the fields by name.'),
            material: z
              .boolean()
              .describe(
                'It brought the date forward, widened the regions or changed a fact: it needed the full notice.',
              ),
          }),
        )
        .describe(
          'Each later version that amended the announcement before it took effect, oldest first; the change keeps its id.',
        ),
    })
    .meta({ id: 'Change', title: 'One change to the list' })

  const Notice = z
    .strictObject({
      periodDays: z.int().min(0),
      objectionsTo: z.string().describe('Where to send an objection.'),
      note: z.string(),
    })
    .describe('The notice customers get before a change that needs it, and how to object.')

  const SubprocessorListDocument = z
    .strictObject({
      $schema: z.string().describe('The JSON Schema of this document.'),
      format: Format,
      ...Envelope,
      lastChanged: z.iso
        .date()
        .describe("The date of the last change in force that touched this list; the source's date before any."),
      state: z
        .enum(['in-force', 'scheduled'])
        .describe(
          '`in-force`: the list as it applies from `inForce.from`. `scheduled`: a future state, as announced now; a later version may still change it.',
        ),
      inForce: z
        .strictObject({
          from: Instant,
          until: Instant.nullable().describe(
            'When the next announced change takes effect; null when none is announced.',
          ),
        })
        .describe('The span this state of the list holds for.'),
      region: RegionOf('The customer region this list is for.'),
      company: z.strictObject({
        name: z.string(),
        service: z.string(),
        accountDomain: z.string(),
        dpaContactEmail: z.string(),
      }),
      notice: Notice,
      links: FormatLinks.extend({
        changes: z.string().describe('The changes that touch this list, as JSON.'),
        atom: z.string().describe('The same changes as an Atom feed.'),
        jsonfeed: z.string().describe('The same changes as a JSON Feed.'),
      }),
      subprocessors: z
        .array(
          SubprocessorDocument.extend({ href: z.string().describe('The entry on its own, in the same language.') }),
        )
        .describe('The sub-processors in force.'),
      upcoming: z
        .array(ChangeDocument)
        .describe(
          'Announced changes that touch this list and are not yet in force, soonest first; never mixed into `subprocessors`.',
        ),
      notes: z.array(Note).describe('About the list as a whole: its source, and how regions are read.'),
    })
    .meta({ title: 'Sub-processor list' })

  const SubprocessorEntryDocument = SubprocessorDocument.extend({
    $schema: z.string().describe('The JSON Schema of this document.'),
    format: Format,
    ...Envelope,
    links: FormatLinks.extend({ list: z.string().describe('The list of every region, in the same language.') }),
  }).meta({ id: 'SubprocessorDocument', title: 'One sub-processor, on its own' })

  const ChangeLogDocument = z
    .strictObject({
      $schema: z.string(),
      format: Format,
      version: z.int().min(1).describe('The version this log is part of.'),
      publishedAt: Instant,
      language: Language,
      region: RegionOf("Only changes that touch this region's list."),
      notice: Notice,
      links: z.strictObject({
        html: z.string(),
        json: z.string(),
        csv: z.string(),
        atom: z.string(),
        jsonfeed: z.string(),
        all: z.string().describe('Every change, not only the latest.'),
      }),
      changes: z
        .array(ChangeDocument)
        .describe(
          'Newest first, by the version that announced (or withdrew) them. Without `since`, the latest changes; with `since=N`, every change after version N.',
        ),
    })
    .meta({ id: 'ChangeLog', title: 'Changes to the list' })

  const VersionsDocument = z
    .strictObject({
      $schema: z.string(),
      format: Format,
      language: Language,
      versions: z
        .array(
          z.strictObject({
            version: z.int().min(1),
            publishedAt: Instant,
            languages: z
              .array(z.string())
              .optional()
              .describe("The languages the version comes in; a language's first version is the one that adds it."),
            parent: z.int().min(1).nullable(),
            changes: z
              .strictObject({
                added: z.int(),
                removed: z.int(),
                modified: z.int(),
                corrected: z.int(),
                amended: z.int(),
                withdrawn: z.int(),
              })
              .describe('What the version announced or withdrew.'),
            links: z.strictObject({
              list: z.string().describe('The list exactly as this version published it.'),
              changes: z.string().describe('The changes after the version before it.'),
              manifest: z.string().describe("The version's manifest: the leaf of the signed log."),
              evidence: z.string().describe("The version's manifest, inclusion proof and signed checkpoint."),
            }),
          }),
        )
        .describe('Every version ever published, newest first; none is ever rewritten or removed.'),
    })
    .meta({ id: 'Versions', title: 'Every published version' })

  return { SubprocessorListDocument, SubprocessorEntryDocument, ChangeDocument, ChangeLogDocument, VersionsDocument }
}

type DocumentSchemas = ReturnType<typeof documentSchemas>
export type SubprocessorDocument = z.infer<typeof SubprocessorDocument>
export type SubprocessorListDocument = z.infer<DocumentSchemas['SubprocessorListDocument']>
export type SubprocessorEntryDocument = z.infer<DocumentSchemas['SubprocessorEntryDocument']>
export type ChangeDocument = z.infer<DocumentSchemas['ChangeDocument']>
export type ChangeLogDocument = z.infer<DocumentSchemas['ChangeLogDocument']>
export type VersionsDocument = z.infer<DocumentSchemas['VersionsDocument']>

/**
 * The JSON Schema served at /schema.json, generated from the schemas above: the list at the top
 * level; an entry on its own, the change log and the version index in $defs.
 */
export function registryJsonSchema(languages: readonly Language[]): Record<string, unknown> {
  type Generated = Record<string, unknown> & { $defs?: Record<string, unknown> }
  const { SubprocessorListDocument, SubprocessorEntryDocument, ChangeLogDocument, VersionsDocument } =
    documentSchemas(languages)
  const list = z.toJSONSchema(SubprocessorListDocument, { target: 'draft-2020-12' }) as Generated
  // A schema with a meta id comes out as a $ref into its own $defs; those $defs are what we need.
  const defs = [
    SubprocessorEntryDocument,
    ChangeLogDocument,
    VersionsDocument,
    ChangeEventDocument,
    VerificationEventDocument,
  ].map((schema) => (z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Generated).$defs)
  // Webhook payloads sit beside the documents: #/$defs/ChangeEvent, #/$defs/VerificationEvent.
  return { ...list, $defs: Object.assign({}, list.$defs, ...defs) }
}

const ERROR_STATUS_VALUES = [...new Set(Object.values(ERROR_STATUSES))]

/** The one error body every 4xx and 5xx carries: the domain's ErrorBody, described for the published schema. */
export const ErrorDocument = z.strictObject({
  error: z.strictObject({
    status: z.union(ERROR_STATUS_VALUES.map((status) => z.literal(status))).describe('The HTTP status, repeated.'),
    code: z.enum(ERROR_CODES).describe('Stable machine-readable code, e.g. unknown_region.'),
    message: z.string(),
    parameter: z.string().optional().describe('The parameter at fault.'),
    allowed: z.array(z.string()).optional().describe('The values that would have been accepted.'),
    fields: z
      .array(z.strictObject({ field: z.string().describe('The field, e.g. `regions[1]`.'), message: z.string() }))
      .optional()
      .describe('Every field of a request body at fault.'),
    deadline: z.string().optional().describe("An objection's deadline, when it has passed."),
  }),
}) satisfies z.ZodType<ErrorBody>

// Webhook payloads: what a subscriber's endpoint receives, described for /schema.json and the
// OpenAPI document's `webhooks`. The Worker builds them (src/webhooks/events.ts); these only describe.

const PerLanguage = z.record(z.string(), z.string())
const UrlsPerRegionAndLanguage = z.record(z.string(), z.record(z.string(), z.string()))

export const ChangeRecordDocument = z
  .strictObject({
    id: z.string().describe('Stable across publishes.'),
    type: z.enum(CHANGE_TYPES),
    entry: z.string().describe('The id of the sub-processor the change is about.'),
    name: z.string().nullable().describe('The legal name as written; null where the source names none.'),
    summary: PerLanguage.describe("One line per language saying what changes and when: the subscriber's languages."),
    snapshot: z.unknown().describe('The entry as data/ holds it after the change (before it, for a removal).'),
    fields: z
      .array(z.strictObject({ field: z.enum(CHANGED_FIELDS), before: z.unknown(), after: z.unknown() }))
      .describe('For `modified`: every changed field, old and new.'),
    regions: z.array(z.string()).describe('Customer regions whose list the change touches.'),
    announcedIn: z.int().min(1),
    announcedAt: Instant,
    effectiveAt: Instant,
    objectionDeadline: Instant.nullable().describe(
      'Until when a customer may object; null for a change that needs no notice.',
    ),
    requiresNotice: z.boolean(),
    shortNotice: z.strictObject({ kind: z.enum(['urgent', 'correction']), reason: PerLanguage }).nullable(),
    withdrawnIn: z.int().min(1).nullable(),
    withdrawnAt: Instant.nullable(),
    amendments: z
      .array(
        z.strictObject({
          version: z.int().min(1),
          at: Instant,
          changed: z.array(z.string()).describe('`effectiveAt`, `regions`, `shortNotice`, or the fields by name.'),
          material: z.boolean().describe('Brought the date forward, widened the regions or changed a fact.'),
        }),
      )
      .describe('Each later version that amended the announcement before it took effect, oldest first.'),
  })
  .meta({
    id: 'ChangeRecord',
    title: 'One change to one entry, as the change log keeps it',
  }) satisfies z.ZodType<ChangeRecord>

export const ChangeEventDocument = z
  .strictObject({
    type: z.enum(CHANGE_EVENTS),
    timestamp: Instant.describe('When it happened: announcedAt, effectiveAt or withdrawnAt. The same on every retry.'),
    data: z.strictObject({
      version: z.int().min(1).describe('The version whose change log held the change when the event was emitted.'),
      change: ChangeRecordDocument,
      links: z.strictObject({
        change: PerLanguage.describe(
          'The change log from the version that announced (or withdrew) the change, per language: /changes.json?lang=…&since=…; it holds the change record.',
        ),
        entry: PerLanguage.optional().describe(
          "The entry, per language, while it is in force at the event's instant: absent for an addition announced or withdrawn, and for a removal in effect.",
        ),
        lists: UrlsPerRegionAndLanguage.describe('The list of each region of interest, per language.'),
        feeds: UrlsPerRegionAndLanguage.describe('The Atom feed of changes of each region of interest, per language.'),
      }),
    }),
  })
  .meta({
    id: 'ChangeEvent',
    title: 'A webhook about a change: announced, effective or withdrawn',
  }) satisfies z.ZodType<ChangeEventPayload>

export const VerificationEventDocument = z
  .strictObject({
    type: z.literal(VERIFICATION_EVENT),
    timestamp: Instant,
    data: z.strictObject({
      subscription: z.string().describe('The id the subscription will have.'),
      challenge: z.string().describe('Echo it in a 2xx within 10 s: as the body, or as `{ "challenge": … }`.'),
      verificationToken: z
        .string()
        .nullable()
        .describe(
          'The `verificationToken` of the subscription request, or null. Echo the challenge only when it is yours: a stranger cannot subscribe your endpoint then.',
        ),
    }),
  })
  .meta({ id: 'VerificationEvent', title: 'Sent once when subscribing: the endpoint proves that it wants the events' })
