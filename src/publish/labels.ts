import type { Language } from './schema'

/** The page's own words: headings, column names and links. The list's text comes from data/. */
export interface Labels {
  languageName: string
  title: string
  region: string
  regionsNav: string
  languagesNav: string
  formatsNav: string
  jsonLink: string
  csvLink: string
  htmlLink: string
  lastUpdated: string
  version: (version: number, publishedAt: string) => string
  entity: string
  id: string
  alsoWrittenAs: string
  product: string
  category: string
  roles: string
  purpose: string
  customers: string
  location: string
  countries: string
  regions: string
  assurances: string
  standards: string
  notes: string
  notNamed: string
  notStated: string
  noneInRegion: string
  aboutRegions: string
  sourceNotes: string
  role: Record<'affiliate' | 'subcontractor', string>
  allSubprocessors: string
}

export const LABELS: Record<Language, Labels> = {
  en: {
    languageName: 'English',
    title: 'Sub-processors',
    region: 'Region',
    regionsNav: 'This list for another region',
    languagesNav: 'This list in another language',
    formatsNav: 'This list as data',
    jsonLink: 'JSON',
    csvLink: 'CSV (for spreadsheets)',
    htmlLink: 'Web page',
    lastUpdated: 'Last updated',
    version: (version, publishedAt) => `Version ${version}, published ${publishedAt}.`,
    entity: 'Legal entity',
    id: 'ID',
    alsoWrittenAs: 'Also written as',
    product: 'Product',
    category: 'Category',
    roles: 'Role',
    purpose: 'Purpose',
    customers: 'Customers',
    location: 'Processing location',
    countries: 'Country codes',
    regions: 'Customer regions',
    assurances: 'Assurances',
    standards: 'Facility standards (meets at least one)',
    notes: 'Notes on the source',
    notNamed: 'Not named in the source',
    notStated: 'Not stated in the source',
    noneInRegion: 'None in this region.',
    aboutRegions: 'About the regions',
    sourceNotes: 'About this list',
    role: { affiliate: 'affiliate', subcontractor: 'subcontractor' },
    allSubprocessors: 'All sub-processors',
  },
  lv: {
    languageName: 'Latviešu',
    title: 'Apakšapstrādātāji',
    region: 'Reģions',
    regionsNav: 'Šis saraksts citam reģionam',
    languagesNav: 'Šis saraksts citā valodā',
    formatsNav: 'Šis saraksts kā dati',
    jsonLink: 'JSON',
    csvLink: 'CSV (izklājlapām)',
    htmlLink: 'Tīmekļa lapa',
    lastUpdated: 'Pēdējo reizi atjaunināts',
    version: (version, publishedAt) => `Versija ${version}, publicēta ${publishedAt}.`,
    entity: 'Juridiskā persona',
    id: 'ID',
    alsoWrittenAs: 'Rakstīts arī',
    product: 'Produkts',
    category: 'Kategorija',
    roles: 'Loma',
    purpose: 'Nolūks',
    customers: 'Klienti',
    location: 'Apstrādes atrašanās vieta',
    countries: 'Valstu kodi',
    regions: 'Klientu reģioni',
    assurances: 'Garantijas',
    standards: 'Objektu standarti (atbilst vismaz vienam)',
    notes: 'Piezīmes par avotu',
    notNamed: 'Avotā nav nosaukts',
    notStated: 'Avotā nav norādīta',
    noneInRegion: 'Šajā reģionā nav neviena.',
    aboutRegions: 'Par reģioniem',
    sourceNotes: 'Par šo sarakstu',
    role: { affiliate: 'dalīborganizācija', subcontractor: 'apakšuzņēmējs' },
    allSubprocessors: 'Visi apakšapstrādātāji',
  },
}
