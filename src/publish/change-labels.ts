import type { ChangedField, ChangeStatus, ChangeType, ShortNotice } from '../domain/change'
import type { Language } from './schema'

/** The words of the change log, its feeds and the version index. The changes' own text comes from data/. */
export interface ChangeLabels {
  type: Record<ChangeType, string>
  status: Record<ChangeStatus, string>
  field: Record<ChangedField, string>
  shortNotice: Record<ShortNotice['kind'], string>
  summary: (type: ChangeType, name: string, effective: string) => string
  changesTitle: string
  versionsTitle: string
  feedTitle: (service: string, region: string) => string
  noChanges: string
  entry: string
  change: string
  whatChanges: string
  before: string
  after: string
  regions: string
  version: string
  announced: string
  effective: string
  objectionsUntil: string
  howToObject: (email: string, deadline: string) => string
  withdrawn: (version: number, at: string) => string
  latestOnly: (count: number) => string
  allChanges: string
  parent: string
  published: string
  counts: (added: number, removed: number, modified: number, withdrawn: number) => string
  upcomingTitle: string
  recentTitle: string
  scheduledState: (from: string) => string
  inForceState: (from: string, until: string | null) => string
  none: string
  columns: Record<'summary' | 'id' | 'type' | 'status' | 'entry' | 'name' | 'fields' | 'regions' | 'version' | 'announced' | 'effective' | 'objectionsUntil' | 'shortNotice' | 'withdrawn', string>
}

export const CHANGE_LABELS: Record<Language, ChangeLabels> = {
  en: {
    type: { added: 'Added', removed: 'Removed', modified: 'Changed' },
    status: { upcoming: 'Upcoming', effective: 'In effect', withdrawn: 'Withdrawn' },
    field: {
      name: 'Legal entity',
      alsoWrittenAs: 'Also written as',
      product: 'Product',
      category: 'Category',
      roles: 'Role',
      purpose: 'Purpose',
      customers: 'Customers',
      location: 'Processing location',
      regions: 'Customer regions',
      assurances: 'Assurances',
      notes: 'Notes on the source',
    },
    shortNotice: { urgent: 'Shorter notice, urgent', correction: 'Correction of the transcription' },
    summary: (type, name, effective) => `${{ added: 'Added', removed: 'Removed', modified: 'Changed' }[type]}: ${name}, from ${effective}`,
    changesTitle: 'Changes to the sub-processors',
    versionsTitle: 'Published versions',
    feedTitle: (service, region) => `${service}: changes to the sub-processors (${region})`,
    noChanges: 'No changes yet.',
    entry: 'Sub-processor',
    change: 'Change',
    whatChanges: 'What changes',
    before: 'before',
    after: 'after',
    regions: 'Customer regions',
    version: 'Version',
    announced: 'Announced',
    effective: 'Takes effect',
    objectionsUntil: 'Objections until',
    howToObject: (email, deadline) => `To object, write to ${email} before ${deadline}.`,
    withdrawn: (version, at) => `Withdrawn in version ${version}, ${at}.`,
    latestOnly: (count) => `The latest ${count} changes.`,
    allChanges: 'Every change',
    parent: 'Previous version',
    published: 'Published',
    counts: (added, removed, modified, withdrawn) => `${added} added, ${removed} removed, ${modified} changed, ${withdrawn} withdrawn`,
    upcomingTitle: 'Upcoming changes',
    recentTitle: 'Recent changes',
    scheduledState: (from) => `Scheduled: the list as announced to be in force from ${from}. A later version may still change it.`,
    inForceState: (from, until) => `In force from ${from}${until ? ` until ${until}, when an announced change takes effect` : ''}.`,
    none: 'none',
    columns: {
      summary: 'Change',
      id: 'Change ID',
      type: 'Type',
      status: 'Status',
      entry: 'Sub-processor ID',
      name: 'Legal entity',
      fields: 'Changed fields',
      regions: 'Customer regions',
      version: 'Version',
      announced: 'Announced',
      effective: 'Takes effect',
      objectionsUntil: 'Objections until',
      shortNotice: 'Shorter notice',
      withdrawn: 'Withdrawn',
    },
  },
  lv: {
    type: { added: 'Pievienots', removed: 'Izņemts', modified: 'Mainīts' },
    status: { upcoming: 'Gaidāms', effective: 'Stājies spēkā', withdrawn: 'Atsaukts' },
    field: {
      name: 'Juridiskā persona',
      alsoWrittenAs: 'Rakstīts arī',
      product: 'Produkts',
      category: 'Kategorija',
      roles: 'Loma',
      purpose: 'Nolūks',
      customers: 'Klienti',
      location: 'Apstrādes atrašanās vieta',
      regions: 'Klientu reģioni',
      assurances: 'Garantijas',
      notes: 'Piezīmes par avotu',
    },
    shortNotice: { urgent: 'Saīsināts paziņojuma termiņš, steidzami', correction: 'Pārrakstījuma labojums' },
    summary: (type, name, effective) => `${{ added: 'Pievienots', removed: 'Izņemts', modified: 'Mainīts' }[type]}: ${name}, no ${effective}`,
    changesTitle: 'Izmaiņas apakšapstrādātāju sarakstā',
    versionsTitle: 'Publicētās versijas',
    feedTitle: (service, region) => `${service}: izmaiņas apakšapstrādātāju sarakstā (${region})`,
    noChanges: 'Izmaiņu vēl nav.',
    entry: 'Apakšapstrādātājs',
    change: 'Izmaiņa',
    whatChanges: 'Kas mainās',
    before: 'iepriekš',
    after: 'pēc tam',
    regions: 'Klientu reģioni',
    version: 'Versija',
    announced: 'Paziņots',
    effective: 'Stājas spēkā',
    objectionsUntil: 'Iebildumi līdz',
    howToObject: (email, deadline) => `Lai iebilstu, rakstiet uz ${email} līdz ${deadline}.`,
    withdrawn: (version, at) => `Atsaukts versijā ${version}, ${at}.`,
    latestOnly: (count) => `Pēdējās ${count} izmaiņas.`,
    allChanges: 'Visas izmaiņas',
    parent: 'Iepriekšējā versija',
    published: 'Publicēta',
    counts: (added, removed, modified, withdrawn) => `pievienoti ${added}, izņemti ${removed}, mainīti ${modified}, atsaukti ${withdrawn}`,
    upcomingTitle: 'Gaidāmās izmaiņas',
    recentTitle: 'Nesenās izmaiņas',
    scheduledState: (from) => `Plānots: saraksts, kāds paziņots spēkā no ${from}. Vēlāka versija to vēl var mainīt.`,
    inForceState: (from, until) => `Spēkā no ${from}${until ? ` līdz ${until}, kad stājas spēkā paziņota izmaiņa` : ''}.`,
    none: 'nav',
    columns: {
      summary: 'Izmaiņa',
      id: 'Izmaiņas ID',
      type: 'Veids',
      status: 'Statuss',
      entry: 'Apakšapstrādātāja ID',
      name: 'Juridiskā persona',
      fields: 'Mainītie lauki',
      regions: 'Klientu reģioni',
      version: 'Versija',
      announced: 'Paziņots',
      effective: 'Stājas spēkā',
      objectionsUntil: 'Iebildumi līdz',
      shortNotice: 'Saīsināts termiņš',
      withdrawn: 'Atsaukts',
    },
  },
}
