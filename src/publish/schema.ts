/**
 * The one schema of the registry's data: the files in data/ and the JSON documents the API serves.
 * Types come from here; nothing else spells the shape again.
 */
import { z } from 'zod'

export const LANGUAGES = ['lv', 'en'] as const
export const REGION_IDS = ['eu', 'uk', 'us', 'apac'] as const
export const CATEGORIES = ['infrastructure', 'service', 'subcontractor'] as const
export const ROLES = ['affiliate', 'subcontractor'] as const
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const

const Text = z.string().refine((text) => text.trim() !== '', 'must not be empty')
const Id = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens')
const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "GB"')
const SubdivisionCode = z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code such as "US-CA"')

export const Language = z.enum(LANGUAGES)
export const RegionId = z.enum(REGION_IDS)
export const Category = z.enum(CATEGORIES)

/** Text in every language; Latvian is the source wording, English its translation. */
export const Localized = z.strictObject({ lv: Text, en: Text })

/** Where the source is silent, vague or inconsistent, the data says so here instead of guessing. */
export const SourceNote = z.strictObject({
  field: z.string().min(1),
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
  countryOverrides: z.record(CountryCode, RegionId),
})

export type Language = z.infer<typeof Language>
export type RegionId = z.infer<typeof RegionId>
export type Category = z.infer<typeof Category>
export type Localized = z.infer<typeof Localized>
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

// The JSON representation, as the API serves it. One entry, one list.

const Note = z.strictObject({ field: z.string(), text: z.string() })

export const SubprocessorDocument = z.strictObject({
  id: z.string(),
  name: z.string().nullable().describe('The legal entity name exactly as the source writes it; null where the source names none.'),
  alsoWrittenAs: z.array(z.string()),
  product: z.string().nullable(),
  category: Category,
  categoryLabel: z.string(),
  roles: z.array(z.enum(ROLES)),
  purpose: z.string(),
  customers: z.string().nullable(),
  location: z
    .strictObject({
      countries: z.array(z.string()).describe('ISO 3166-1 alpha-2 codes; empty where the source names no country.'),
      subdivisions: z.array(z.string()).describe('ISO 3166-2 codes.'),
      text: z.string().describe('The location as the source words it.'),
    })
    .nullable()
    .describe('null where the source gives no location.'),
  regions: z.array(RegionId),
  assurances: z.array(z.strictObject({ id: z.string(), text: z.string(), standards: z.array(z.string()) })),
  notes: z.array(Note).describe('Where the source is incomplete or inconsistent.'),
})

export const SubprocessorListDocument = z.strictObject({
  version: z.int().min(1),
  publishedAt: z.iso.datetime(),
  lastUpdated: z.iso.date(),
  language: Language,
  sourceLanguage: Language,
  region: z.strictObject({ id: z.enum([...REGION_IDS, 'all']), name: z.string() }),
  company: z.strictObject({
    name: z.string(),
    service: z.string(),
    accountDomain: z.string(),
    dpaContactEmail: z.string(),
  }),
  links: z.strictObject({ html: z.string(), json: z.string(), csv: z.string() }).describe('This list in each format, for the same region and language.'),
  subprocessors: z.array(SubprocessorDocument),
  notes: z.array(Note),
})

export type SubprocessorDocument = z.infer<typeof SubprocessorDocument>
export type SubprocessorListDocument = z.infer<typeof SubprocessorListDocument>
