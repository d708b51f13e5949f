/**
 * The schema of the data/ folder: its files, their types and the rules on them. Validation and
 * every renderer read the data through these types; nothing else spells the shape again.
 */
import { countries } from 'countries-list'
import { z } from 'zod'
import { CHANGE_TYPES, CHANGED_FIELDS } from '../../domain/change'

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
  'howToObjectSigned',
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
  'amendedIn',
  'latestOnly',
  'allChanges',
  'parentVersion',
  'changeCounts',
  'scheduledState',
  'inForceFrom',
  'inForceUntil',
  'none',
  'verifyLink',
  'evidenceTitle',
  'evidenceIntro',
  'evidenceHow',
  'evidenceKey',
  'evidenceColumn',
  'evidenceJson',
  'manifestLink',
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
  howToObjectSigned: ['command'],
  shortNotice: ['reason'],
  feedTitle: ['service', 'region'],
  changeSummary: ['type', 'name', 'date'],
  withdrawnIn: ['version', 'date'],
  amendedIn: ['version', 'date', 'changed'],
  latestOnly: ['count'],
  changeCounts: ['added', 'removed', 'modified', 'corrected', 'amended', 'withdrawn'],
  scheduledState: ['date'],
  inForceFrom: ['date'],
  inForceUntil: ['from', 'until'],
}

/** Where a change stands, the fields a change can name, and the two kinds of shorter notice, as labelled groups. */
export const CHANGE_STATUSES = ['upcoming', 'effective', 'withdrawn'] as const
export const SHORT_NOTICE_KINDS = ['urgent', 'correction'] as const
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
    /**
     * The witnesses that cosign each checkpoint, with their submission URLs, and the quorum, as
     * C2SP tlog-policy lines (`witness <name> <vkey> <url>`, `group`, `quorum`). Absent: no witnesses.
     */
    witnessPolicy: z.array(z.string().max(2000)).max(200).optional(),
    /**
     * The verifier key of the Worker's receipt key (RECEIPT_SIGNING_KEY), which signs objection
     * receipts: in discovery for customers, and in every manifest, so the log records each rotation.
     * Null: the registry takes objections with the deployment's key, given at publish time
     * (`--receipt-key` or RECEIPT_VERIFIER_KEY; `npm start` gives its local one). Absent: none.
     */
    receiptKey: z
      .string()
      .regex(/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/, 'must be a verifier key: name+keyid+base64key')
      .nullable()
      .optional(),
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
