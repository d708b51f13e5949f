/**
 * `tsx test/support/generate.ts <entries> <dir>`: writes a synthetic data/ folder with that many
 * sub-processors, for load tests only. The registry, region and locale files are the fixture
 * dataset's (data/ as transcribed, so that a bench does not move with data/); every entry is
 * plainly labelled synthetic and cycles through the shapes the real data has.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SubprocessorEntry, SubprocessorsFile } from '../../src/publish/input/schema'
import { REGION_IDS } from '../../src/publish/input/schema'
import registry from '../fixtures/data/registry.json'

const DATA = fileURLToPath(new URL('../fixtures/data/', import.meta.url))

/** The Latvian text, and the English one in every other language the dataset declares. */
const text = (lv: string, en: string) =>
  Object.fromEntries(registry.languages.map((lang) => [lang, lang === 'lv' ? lv : en]))

export function syntheticEntry(i: number): SubprocessorEntry {
  const LOCATIONS = [
    { countries: ['DE'], text: text('Vācija', 'Germany') },
    { countries: ['GB'], text: text('Apvienotā Karaliste', 'United Kingdom') },
    { countries: ['US'], subdivisions: ['US-CA'], text: text('Kalifornija', 'California') },
    { countries: ['SG'], text: text('Singapūra', 'Singapore') },
    null,
  ]
  const n = String(i).padStart(6, '0')
  const category = (['infrastructure', 'service', 'service', 'subcontractor'] as const)[i % 4]!
  return {
    id: `synthetic-${n}`,
    name: `Synthetic Processor ${n}, s.r.o.`,
    category,
    purpose: text(`Sintētisks apakšapstrādātājs ${n} slodzes testiem.`, `Synthetic sub-processor ${n} for load tests.`),
    location: LOCATIONS[i % LOCATIONS.length] ?? null,
    regions: i % 10 === 0 ? [...REGION_IDS] : [REGION_IDS[i % REGION_IDS.length]!],
    assurances: category === 'infrastructure' ? ['certified-facilities'] : [],
    ...(i % 7 === 0 ? { notes: [{ field: 'location', note: text('Sintētiska piezīme.', 'A synthetic note.') }] } : {}),
  }
}

export async function generateData(entries: number, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const file of ['registry.json', 'regions.json', 'announcements.json', 'locales'])
    await cp(join(DATA, file), join(dir, file), { recursive: true })
  const file: SubprocessorsFile = {
    regionsBasis: text('Sintētiski dati slodzes testiem.', 'Synthetic data for load tests.'),
    subprocessors: Array.from({ length: entries }, (_, i) => syntheticEntry(i + 1)),
  }
  await writeFile(join(dir, 'subprocessors.json'), JSON.stringify(file))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entries, dir] = process.argv.slice(2)
  if (!entries || !dir) throw new Error('usage: tsx test/support/generate.ts <entries> <dir>')
  await generateData(Number(entries), dir)
  console.log(`Wrote ${entries} synthetic sub-processors to ${dir}`)
}
