/**
 * The one schema of the registry's data: the files in data/ and the JSON documents the API serves.
 * Types come from here; nothing else spells the shape again.
 */
import { countries } from 'countries-list'
import { z } from 'zod'
import { CHANGE_TYPES, CHANGED_FIELDS, type ChangeRecord } from '../domain/change'
import { ERROR_CODES, ERROR_STATUSES, type ErrorBody } from '../domain/errors'
import { CHANGE_EVENTS, type ChangeEventPayload, VERIFICATION_EVENT } from '../webhooks/events'

export const REGION_IDS = ['eu', 'uk', 'us', 'apac'] as const
export const CATEGORIES = ['infrastructure', 'service', 'subcontractor'] as const
export const ROLES = ['affiliate', 'subcontractor'] as const
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const
export const NOTE_KINDS = ['derived', 'translation'] as const
export { CHANGE_TYPES }

/** The words a page or CSV file shows around the data, one locale file per language. */
const LABEL_NAMES = [
  'title',
  'skipToMain',
  'region',
  'inForce',
  'lastUpdated',
  'version',
  'published',
  'regionsNav',
  'languagesNav',
  'formatsNav',
  'jsonLink',
  'csvLink',
  'atomFeed',
  'jsonFeed',
  'contents',
  'filter',
  'filterStatus',
  'entity',
  'id',
  'alsoWrittenAs',
  'product',
  'category',
  'roles',
  'purpose',
  'customers',
  'location',
  'countries',
  'regions',
  'assurances',
  'standards',
  'notes',
  'notNamed',
  'notStated',
  'noneInRegion',
  'assurance',
  'note',
  'meetsOneOf',
  'aboutTheList',
  'policy',
  'upcomingChanges',
  'recentChanges',
  'announced',
  'effective',
  'objectionDeadline',
  'howToObject',
  'shortNotice',
  'pageAddress',
  'allSubprocessors',
  'changesTitle',
  'versionsTitle',
  'feedTitle',
  'noChanges',
  'changeSummary',
  'whatChanges',
  'withdrawnIn',
  'latestOnly',
  'allChanges',
  'parentVersion',
  'changeCounts',
  'scheduledState',
  'inForceFrom',
  'inForceUntil',
  'none',
  'verifyLink',
] as const
type LabelName = (typeof LABEL_NAMES)[number]

/** Labels with blanks that the renderer fills; each must keep exactly these. */
export const LABEL_BLANKS: Partial<Record<LabelName, readonly string[]>> = {
  published: ['date'],
  filterStatus: ['shown', 'total'],
  assurance: ['number'],
  note: ['number'],
  meetsOneOf: ['standards'],
  announced: ['date'],
  effective: ['date'],
  objectionDeadline: ['date'],
  howToObject: ['email'],
  shortNotice: ['reason'],
  feedTitle: ['service', 'region'],
  changeSummary: ['type', 'name', 'date'],
  withdrawnIn: ['version', 'date'],
  latestOnly: ['count'],
  changeCounts: ['added', 'removed', 'modified', 'withdrawn'],
  scheduledState: ['date'],
  inForceFrom: ['date'],
  inForceUntil: ['from', 'until'],
}

/** Where a change stands, the fields a change can name, and the two kinds of shorter notice, as labelled groups. */
const CHANGE_STATUSES = ['upcoming', 'effective', 'withdrawn'] as const
const SHORT_NOTICE_KINDS = ['urgent', 'correction'] as const
const CHANGE_COLUMNS = [
  'summary',
  'id',
  'type',
  'status',
  'entry',
  'name',
  'fields',
  'regions',
  'version',
  'announced',
  'effective',
  'objectionsUntil',
  'shortNotice',
  'withdrawn',
] as const

/** A language as the URL, the JSON and the locale file name spell it: an ISO 639 code, e.g. "lv". */
export type Language = string
/** Text in every declared language; the source language's is the source wording, the others translate it. */
export type Localized = Record<Language, string>

const nonEmpty = (text: string) => text.trim() !== ''
const Text = z.string().refine(nonEmpty, 'must not be empty')
const Id = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens')
const LanguageTag = z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO 639 language code in lower case, such as "lv"')
const isCountry = (code: string) => /^[A-Z]{2}$/.test(code) && Object.hasOwn(countries, code)
const notACountry = (code: unknown) => `${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 country code`
const CountryCode = z.string().refine(isCountry, { error: (issue) => notACountry(issue.input) })
const SubdivisionCode = z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code such as "US-CA"')

export const RegionId = z.enum(REGION_IDS)
export const Category = z.enum(CATEGORIES)

/**
 * The languages data/registry.json declares: checked first, because every localized text and
 * every locale file is then checked against them.
 */
export const LanguageDeclaration = z
  .object({
    source: z.object({ language: LanguageTag }),
    languages: z.array(LanguageTag).min(1, 'must declare at least one language'),
    defaultLanguage: LanguageTag,
  })
  .superRefine(({ source, languages, defaultLanguage }, ctx) => {
    languages.forEach((lang, i) => {
      if (languages.indexOf(lang) !== i)
        ctx.addIssue({ code: 'custom', path: ['languages', i], message: `"${lang}" is declared more than once` })
    })
    if (!languages.includes(source.language))
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'language'],
        message: `"${source.language}" is not in "languages"`,
      })
    if (!languages.includes(defaultLanguage))
      ctx.addIssue({ code: 'custom', path: ['defaultLanguage'], message: `"${defaultLanguage}" is not in "languages"` })
  })

const missingOr = (what: string, otherwise: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${what} is missing` : otherwise

/** Exactly the declared languages, each non-empty: a missing translation names its language. */
function localizedSchema(languages: readonly Language[]): z.ZodType<Localized> {
  const shape = Object.fromEntries(
    languages.map((lang) => [
      lang,
      z
        .string({ error: missingOr(`the ${lang} text`, `the ${lang} text must be a string`) })
        .refine(nonEmpty, `the ${lang} text must not be empty`),
    ]),
  )
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.map((key) => `"${key}"`).join(', ')} is not a language registry.json declares`
        : undefined,
  })
}

function labelsSchema(lang: Language) {
  const label = (name: string) =>
    z
      .string({ error: missingOr(`the label "${name}" in ${lang}`, `the label "${name}" in ${lang} must be a string`) })
      .refine(nonEmpty, `the label "${name}" in ${lang} must not be empty`)
  const withBlanks = (name: LabelName) =>
    label(name).superRefine((text, ctx) => {
      const blanks = LABEL_BLANKS[name] ?? []
      const found = [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!)
      for (const blank of blanks)
        if (!found.includes(blank))
          ctx.addIssue({ code: 'custom', message: `the label "${name}" in ${lang} must contain {${blank}}` })
      for (const blank of found)
        if (!blanks.includes(blank))
          ctx.addIssue({ code: 'custom', message: `the label "${name}" in ${lang} has no blank {${blank}}` })
    })
  const group = <K extends string>(name: string, keys: readonly K[]) =>
    z.strictObject(
      Object.fromEntries(keys.map((key) => [key, label(`${name}.${key}`)])) as unknown as Record<K, z.ZodType<string>>,
      {
        error: missingOr(`the labels "${name}" in ${lang}`, `the labels "${name}" in ${lang} must be an object`),
      },
    )
  return z.strictObject({
    ...(Object.fromEntries(LABEL_NAMES.map((name) => [name, withBlanks(name)])) as unknown as Record<
      LabelName,
      z.ZodType<string>
    >),
    changeTypes: group('changeTypes', CHANGE_TYPES),
    changeStatuses: group('changeStatuses', CHANGE_STATUSES),
    fieldNames: group('fieldNames', CHANGED_FIELDS),
    shortNoticeKinds: group('shortNoticeKinds', SHORT_NOTICE_KINDS),
    changeColumns: group('changeColumns', CHANGE_COLUMNS),
    roleNames: group('roleNames', ROLES),
  })
}

/** A locale file, data/locales/<lang>.json: the language's own name, whether it is a translation, and its labels. */
function localeSchema(lang: Language, languages: readonly Language[]) {
  return z.strictObject({
    /** The language's name in itself, as the language switcher shows it. */
    name: Text,
    /** Present on every language but the source's: which language it translates, and what the page says about that. */
    translation: z.strictObject({ of: z.enum(languages), notice: Text }).optional(),
    labels: labelsSchema(lang),
  })
}

/** The schemas of the data/ files, for the languages registry.json declares. */
export function dataSchemas(languages: readonly Language[]) {
  const Language = z.enum(languages as [Language, ...Language[]])
  const Localized = localizedSchema(languages)

  /** Where the source is silent, vague or inconsistent, the data says so here instead of guessing. */
  const SourceNote = z.strictObject({
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

  const SubprocessorEntry = z.strictObject({
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

  const SubprocessorsFile = z.strictObject({
    regionsBasis: Localized,
    subprocessors: z.array(SubprocessorEntry).min(1, 'must list at least one sub-processor'),
  })

  const Assurance = z.strictObject({
    text: Localized,
    /** The facility meets at least one of these; the source joins them with "or". */
    standards: z.array(Text),
    note: Localized.optional(),
  })

  /** The notice period customers get before a change that needs it, and where they object. */
  const NoticePolicy = z.strictObject({
    /** Days between an announcement and the earliest effective date of a change that needs notice. */
    periodDays: z.int().min(0).default(30),
    /** Where a customer sends an objection. */
    objectionsTo: z.email(),
    /** What the source says of notice and objections, and what is the operator's own setting. */
    note: Localized,
    /** The authority and date of the tag: URIs that identify changes in the feeds (RFC 4151), e.g. "liveagent.com,2023-10-02". */
    tagAuthority: z
      .string()
      .regex(
        /^[a-z0-9.-]+\.[a-z]{2,},\d{4}(?:-\d{2}(?:-\d{2})?)?$/,
        'must be a domain name and a date, e.g. "example.com,2023-10-02"',
      ),
  })

  /** The signed log every version is entered in: its name, and the key a reader pins. */
  const EvidenceSettings = z.strictObject({
    /** The log's origin line and key name (C2SP tlog-checkpoint): the registry's host and a path, no scheme. */
    origin: z
      .string()
      .regex(
        /^[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*$/,
        'must be a host name and an optional path, without a scheme, e.g. "subprocessors.example.com/log"',
      ),
    /**
     * The verifier key (signed-note `name+keyid+key`) that signs this registry's log, for readers to pin.
     * Null until the operator has made the production key; `publish-data --remote` refuses any other.
     */
    verifierKey: z
      .string()
      .regex(/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/, 'must be a verifier key: name+keyid+base64key')
      .nullable(),
  })

  const RegistryFile = z.strictObject({
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
    /** Every language the registry serves, in the order lists, links and headers name them. */
    languages: z.array(Language),
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
    notice: NoticePolicy,
    evidence: EvidenceSettings,
  })

  /** Why a change that needs notice may take effect sooner; shown to readers wherever the change is. */
  const ShortNoticeReason = z.strictObject({
    kind: z.enum(SHORT_NOTICE_KINDS),
    reason: Localized,
  })

  /**
   * One change the operator announces, with its date: exactly one of `add` (a whole new entry),
   * `remove` (an entry's id) or `change` (an entry's id, with `set`: the fields that replace the
   * entry's from the effective date). Without `effective` it takes effect when published.
   */
  const Announcement = z.strictObject({
    add: SubprocessorEntry.optional(),
    remove: Id.optional(),
    change: Id.optional(),
    set: SubprocessorEntry.omit({ id: true }).partial().optional(),
    effective: EffectiveInstant.optional(),
    shortNotice: ShortNoticeReason.optional(),
  })

  const RegionsFile = z.strictObject({
    about: Localized,
    regions: z.array(z.strictObject({ id: RegionId, name: Localized })).min(1),
    allRegionsName: Localized,
    continentDefaults: z.partialRecord(z.enum(CONTINENTS), RegionId),
    countryOverrides: z.record(z.string(), RegionId).superRefine((overrides, ctx) => {
      for (const code of Object.keys(overrides))
        if (!isCountry(code)) ctx.addIssue({ code: 'custom', path: [code], message: notACountry(code) })
    }),
  })

  return {
    SourceNote,
    SubprocessorEntry,
    SubprocessorsFile,
    RegistryFile,
    RegionsFile,
    Announcement,
    locale: (lang: Language) => localeSchema(lang, languages),
  }
}

/** A date (midnight UTC) or an RFC 3339 instant with its offset. */
const EffectiveInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a date (2027-01-15) or an RFC 3339 instant (2027-01-15T09:00:00Z)',
})

/** data/announcements.json: each announcement is checked on its own, so one broken one does not hide the rest. */
export const AnnouncementsFile = z.strictObject({
  announcements: z.array(z.unknown()),
})

type DataSchemas = ReturnType<typeof dataSchemas>
export type SourceNote = z.infer<DataSchemas['SourceNote']>
export type SubprocessorEntry = z.infer<DataSchemas['SubprocessorEntry']>
export type SubprocessorsFile = z.infer<DataSchemas['SubprocessorsFile']>
export type RegistryFile = z.infer<DataSchemas['RegistryFile']>
export type RegionsFile = z.infer<DataSchemas['RegionsFile']>
export type Announcement = z.infer<DataSchemas['Announcement']>
export type Locale = z.infer<ReturnType<typeof localeSchema>>
export type Labels = Locale['labels']
export type RegionId = z.infer<typeof RegionId>
export type Category = z.infer<typeof Category>

/** The data/ folder, validated: what every renderer reads. */
export interface RegistryData {
  registry: RegistryFile
  subprocessors: SubprocessorsFile
  regions: RegionsFile
  /** One per language registry.json declares. */
  locales: Record<Language, Locale>
  /** Changes announced ahead of their effective date, in the order written. */
  announcements: Announcement[]
}

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
      subprocessors: z.array(SubprocessorDocument).describe('The sub-processors in force.'),
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
    ...Envelope,
    links: FormatLinks.extend({ list: z.string().describe('The list of every region, in the same language.') }),
  }).meta({ id: 'SubprocessorDocument', title: 'One sub-processor, on its own' })

  const ChangeLogDocument = z
    .strictObject({
      $schema: z.string(),
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
      language: Language,
      versions: z
        .array(
          z.strictObject({
            version: z.int().min(1),
            publishedAt: Instant,
            parent: z.int().min(1).nullable(),
            changes: z
              .strictObject({ added: z.int(), removed: z.int(), modified: z.int(), withdrawn: z.int() })
              .describe('What the version announced or withdrew.'),
            links: z.strictObject({
              list: z.string().describe('The list exactly as this version published it.'),
              changes: z.string().describe('The changes after the version before it.'),
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
