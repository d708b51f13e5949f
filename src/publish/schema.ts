/**
 * The one schema of the registry's data: the files in data/ and the JSON documents the API serves.
 * Types come from here; nothing else spells the shape again.
 */
import { countries } from 'countries-list'
import { z } from 'zod'
import { CHANGE_TYPES, CHANGED_FIELDS, type ChangeRecord } from '../domain/change'
import { ERROR_CODES, ERROR_STATUSES, type ErrorBody } from '../domain/errors'
import { CHANGE_EVENTS, type ChangeEventPayload, VERIFICATION_EVENT } from '../webhooks/events'

const ERROR_STATUS_VALUES = [...new Set(Object.values(ERROR_STATUSES))]

export const LANGUAGES = ['lv', 'en'] as const
export const REGION_IDS = ['eu', 'uk', 'us', 'apac'] as const
export const CATEGORIES = ['infrastructure', 'service', 'subcontractor'] as const
export const ROLES = ['affiliate', 'subcontractor'] as const
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const
export const NOTE_KINDS = ['derived', 'translation'] as const

const Text = z.string().refine((text) => text.trim() !== '', 'must not be empty')
const Id = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens')
const isCountry = (code: string) => /^[A-Z]{2}$/.test(code) && Object.hasOwn(countries, code)
const notACountry = (code: unknown) => `${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 country code`
const CountryCode = z.string().refine(isCountry, { error: (issue) => notACountry(issue.input) })
const SubdivisionCode = z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code such as "US-CA"')

export const Language = z.enum(LANGUAGES)
export const RegionId = z.enum(REGION_IDS)
export const Category = z.enum(CATEGORIES)

/** Text in every language; Latvian is the source wording, English its translation. */
export const Localized = z.strictObject({ lv: Text, en: Text })

/** Where the source is silent, vague or inconsistent, the data says so here instead of guessing. */
export const SourceNote = z.strictObject({
  field: z.string().min(1),
  /** `derived`: the field's text is the registry's reading, not quoted from the source; `translation`: a note on how it was translated. */
  kind: z.enum(NOTE_KINDS).optional(),
  note: Localized,
})

const Section = z.strictObject({
  heading: Localized,
  paragraphs: z.array(Localized),
})

const CategorySection = Section.extend({ label: Localized })

export const SubprocessorEntry = z.strictObject({
  id: Id,
  /** The legal entity name exactly as the source writes it; null where the source names none. */
  name: Text.nullable(),
  alsoWrittenAs: z.array(Text).optional(),
  /** A product or brand the source names next to the entity (e.g. MailChimp for Intuit). */
  product: Text.optional(),
  category: Category,
  roles: z.array(z.enum(ROLES)).optional(),
  purpose: Localized,
  /** The customer group the source names in the row, as written. */
  customers: Localized.optional(),
  location: z
    .strictObject({
      countries: z.array(CountryCode),
      subdivisions: z.array(SubdivisionCode).optional(),
      text: Localized,
    })
    .nullable(),
  regions: z.array(RegionId).min(1, 'must list at least one region'),
  assurances: z.array(Id),
  notes: z.array(SourceNote).optional(),
})

export const SubprocessorsFile = z.strictObject({
  regionsBasis: Localized,
  subprocessors: z.array(SubprocessorEntry).min(1, 'must list at least one sub-processor'),
})

export const Assurance = z.strictObject({
  text: Localized,
  /** The facility meets at least one of these; the source joins them with "or". */
  standards: z.array(Text),
  note: Localized.optional(),
})

export const RegistryFile = z.strictObject({
  source: z.strictObject({
    file: Text,
    language: Language,
    note: Localized,
  }),
  company: z.strictObject({
    name: Text,
    service: Text,
    accountDomain: Text,
    dpaContactEmail: z.email(),
  }),
  lastUpdated: z.iso.date(),
  defaultLanguage: Language,
  policy: z.strictObject({
    introduction: z.array(Localized),
    whatIsASubprocessor: Section,
    dueDiligence: Section,
    contractualSafeguards: Section.extend({ obligations: z.array(Localized).min(1) }),
    disclaimer: z.array(Localized),
    dpaContact: Localized,
  }),
  categories: z.strictObject({
    infrastructure: CategorySection,
    service: CategorySection,
    subcontractor: CategorySection,
  }),
  assurances: z.record(Id, Assurance),
  notes: z.array(SourceNote),
})

export const RegionsFile = z.strictObject({
  about: Localized,
  regions: z.array(z.strictObject({ id: RegionId, name: Localized })).min(1),
  allRegionsName: Localized,
  continentDefaults: z.partialRecord(z.enum(CONTINENTS), RegionId),
  countryOverrides: z.record(z.string(), RegionId).superRefine((overrides, ctx) => {
    for (const code of Object.keys(overrides)) if (!isCountry(code)) ctx.addIssue({ code: 'custom', path: [code], message: notACountry(code) })
  }),
})

export type Language = z.infer<typeof Language>
export type RegionId = z.infer<typeof RegionId>
export type Category = z.infer<typeof Category>
export type Localized = z.infer<typeof Localized>
export type SourceNote = z.infer<typeof SourceNote>
export type SubprocessorEntry = z.infer<typeof SubprocessorEntry>
export type SubprocessorsFile = z.infer<typeof SubprocessorsFile>
export type RegistryFile = z.infer<typeof RegistryFile>
export type RegionsFile = z.infer<typeof RegionsFile>

/** The data/ folder, validated: what every renderer reads. */
export interface RegistryData {
  registry: RegistryFile
  subprocessors: SubprocessorsFile
  regions: RegionsFile
}

// The JSON representations, as the API serves them: a list, and one entry on its own.

const Note = z.strictObject({
  field: z.string().describe('The field the note is about.'),
  kind: z
    .enum(NOTE_KINDS)
    .optional()
    .describe('`derived`: the field is the registry\'s reading of the source, not quoted from it. `translation`: how the field was translated. Absent: where the source is vague, incomplete or inconsistent.'),
  text: z.string(),
})

const FormatLinks = z
  .strictObject({ html: z.string(), json: z.string(), csv: z.string() })
  .describe('The same document in each format, in the same language.')

export const SubprocessorDocument = z
  .strictObject({
    id: z.string().describe('Stable identifier; also the path of the entry, /subprocessors/{id}.'),
    name: z.string().nullable().describe('The legal entity name exactly as the source writes it, never translated; null where the source names none.'),
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
          .describe('A facility meets at least one of these standards: the source joins them with “or” (lv “vai”). Not a list of certifications held.'),
      }),
    ),
    notes: z.array(Note).describe('Where the source is incomplete or inconsistent.'),
  })
  .meta({ id: 'Subprocessor', title: 'A sub-processor, as it appears in a list' })

const Envelope = {
  version: z.int().min(1).describe('Counts publishes; every published version is kept.'),
  publishedAt: z.iso.datetime().describe('When this version was published.'),
  lastUpdated: z.iso.date().describe('The date the source document gives for its last change.'),
  language: Language,
  sourceLanguage: Language,
}

export const SubprocessorListDocument = z
  .strictObject({
    $schema: z.string().describe('The JSON Schema of this document.'),
    ...Envelope,
    region: z.strictObject({ id: z.enum([...REGION_IDS, 'all']), name: z.string() }).describe('The customer region this list is for.'),
    company: z.strictObject({
      name: z.string(),
      service: z.string(),
      accountDomain: z.string(),
      dpaContactEmail: z.string(),
    }),
    links: FormatLinks,
    subprocessors: z.array(SubprocessorDocument),
    notes: z.array(Note).describe('About the list as a whole: its source, and how regions are read.'),
  })
  .meta({ title: 'Sub-processor list' })

export const SubprocessorEntryDocument = SubprocessorDocument.extend({
  $schema: z.string().describe('The JSON Schema of this document.'),
  ...Envelope,
  links: FormatLinks.extend({ list: z.string().describe('The list of every region, in the same language.') }),
}).meta({ id: 'SubprocessorDocument', title: 'One sub-processor, on its own' })

export type SubprocessorDocument = z.infer<typeof SubprocessorDocument>
export type SubprocessorListDocument = z.infer<typeof SubprocessorListDocument>
export type SubprocessorEntryDocument = z.infer<typeof SubprocessorEntryDocument>

/**
 * The JSON Schema served at /schema.json, generated from the schemas above: the list at the
 * top level, and an entry on its own at #/$defs/SubprocessorDocument.
 */
export function registryJsonSchema(): Record<string, unknown> {
  type Generated = Record<string, unknown> & { $defs?: Record<string, unknown> }
  const list = z.toJSONSchema(SubprocessorListDocument, { target: 'draft-2020-12' }) as Generated
  // A schema with a meta id comes out as a $ref into its own $defs; those $defs are what we need.
  const entry = z.toJSONSchema(SubprocessorEntryDocument, { target: 'draft-2020-12' }) as Generated
  // Webhook payloads sit beside them: #/$defs/ChangeEvent, #/$defs/VerificationEvent.
  const events = [ChangeEventDocument, VerificationEventDocument].map((schema) => (z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Generated).$defs)
  return { ...list, $defs: { ...list.$defs, ...entry.$defs, ...Object.assign({}, ...events) } }
}

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
  }),
}) satisfies z.ZodType<ErrorBody>

// Webhook payloads: what a subscriber's endpoint receives, described for /schema.json and the
// OpenAPI document's `webhooks`. The Worker builds them (src/webhooks/events.ts); these only describe.

const Instant = z.iso.datetime()
const PerLanguage = z.record(z.string(), z.string())
const UrlsPerRegionAndLanguage = z.record(z.string(), z.record(z.string(), z.string()))

export const ChangeRecordDocument = z
  .strictObject({
    id: z.string().describe('Stable across publishes.'),
    type: z.enum(CHANGE_TYPES),
    entry: z.string().describe('The id of the sub-processor the change is about.'),
    name: z.string().nullable().describe('The legal name as written; null where the source names none.'),
    summary: PerLanguage.describe('One line per language saying what changes and when: the subscriber\'s languages.'),
    fields: z.array(z.strictObject({ field: z.enum(CHANGED_FIELDS), before: z.unknown(), after: z.unknown() })).describe('For `modified`: every changed field, old and new.'),
    regions: z.array(z.string()).describe('Customer regions whose list the change touches.'),
    announcedIn: z.int().min(1),
    announcedAt: Instant,
    effectiveAt: Instant,
    objectionDeadline: Instant.nullable().describe('Until when a customer may object; null for a change that needs no notice.'),
    requiresNotice: z.boolean(),
    shortNotice: z.strictObject({ kind: z.enum(['urgent', 'correction']), reason: PerLanguage }).nullable(),
    withdrawnIn: z.int().min(1).nullable(),
    withdrawnAt: Instant.nullable(),
  })
  .meta({ id: 'ChangeRecord', title: 'One change to one entry, as the change log keeps it' }) satisfies z.ZodType<ChangeRecord>

export const ChangeEventDocument = z
  .strictObject({
    type: z.enum(CHANGE_EVENTS),
    timestamp: Instant.describe('When it happened: announcedAt, effectiveAt or withdrawnAt. The same on every retry.'),
    data: z.strictObject({
      version: z.int().min(1).describe('The version whose change log held the change when the event was emitted.'),
      change: ChangeRecordDocument,
      links: z.strictObject({
        entry: PerLanguage.describe('The entry, per language: /subprocessors/{entry}.json?lang=…'),
        lists: UrlsPerRegionAndLanguage.describe('The list of each region of interest, per language.'),
        feeds: UrlsPerRegionAndLanguage.describe('The Atom feed of changes of each region of interest, per language.'),
      }),
    }),
  })
  .meta({ id: 'ChangeEvent', title: 'A webhook about a change: announced, effective or withdrawn' }) satisfies z.ZodType<ChangeEventPayload>

export const VerificationEventDocument = z
  .strictObject({
    type: z.literal(VERIFICATION_EVENT),
    timestamp: Instant,
    data: z.strictObject({ subscription: z.string(), challenge: z.string().describe('Echo it in a 2xx within 10 s: as the body, or as `{ "challenge": … }`.') }),
  })
  .meta({ id: 'VerificationEvent', title: 'Sent once when subscribing: the endpoint proves that it wants the events' })
