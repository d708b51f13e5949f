/**
 * `tsx test/support/generate.ts <entries> <dir>`: writes a synthetic data/ folder with that many
 * sub-processors, for load tests only. The registry and region files are the real ones; every
 * entry is plainly labelled synthetic and cycles through the shapes the real data has.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SubprocessorEntry, SubprocessorsFile } from '../../src/publish/schema'
import { REGION_IDS } from '../../src/publish/schema'

const DATA = fileURLToPath(new URL('../../data/', import.meta.url))
const LOCATIONS = [
  { countries: ['DE'], text: { lv: 'Vācija', en: 'Germany' } },
  { countries: ['GB'], text: { lv: 'Apvienotā Karaliste', en: 'United Kingdom' } },
  { countries: ['US'], subdivisions: ['US-CA'], text: { lv: 'Kalifornija', en: 'California' } },
  { countries: ['SG'], text: { lv: 'Singapūra', en: 'Singapore' } },
  null,
]

export function syntheticEntry(i: number): SubprocessorEntry {
  const n = String(i).padStart(6, '0')
  const category = (['infrastructure', 'service', 'service', 'subcontractor'] as const)[i % 4]!
  return {
    id: `synthetic-${n}`,
    name: `Synthetic Processor ${n}, s.r.o.`,
    category,
    purpose: { lv: `Sintētisks apakšapstrādātājs ${n} slodzes testiem.`, en: `Synthetic sub-processor ${n} for load tests.` },
    location: LOCATIONS[i % LOCATIONS.length] ?? null,
    regions: i % 10 === 0 ? [...REGION_IDS] : [REGION_IDS[i % REGION_IDS.length]!],
    assurances: category === 'infrastructure' ? ['certified-facilities'] : [],
    ...(i % 7 === 0 ? { notes: [{ field: 'location', note: { lv: 'Sintētiska piezīme.', en: 'A synthetic note.' } }] } : {}),
  }
}

export async function generateData(entries: number, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const file of ['registry.json', 'regions.json', 'announcements.json']) await copyFile(join(DATA, file), join(dir, file))
  const file: SubprocessorsFile = {
    regionsBasis: { lv: 'Sintētiski dati slodzes testiem.', en: 'Synthetic data for load tests.' },
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
