/**
 * `npm run render-digest`: renders data/ at a fixed instant, alone and with an announced addition
 * (two states, a change in every log), and prints each release's digest. The digest covers every
 * representation's ETag and the release's facts, so equal digests before and after a refactor of
 * the publish side mean it changed no byte of anything served.
 */
import { loadData } from '../src/cli/load-data'
import { planRelease } from '../src/publish/publish'
import { ACME, announcing } from '../test/support/history'

const loaded = await loadData('data')
if (!loaded.ok) throw new Error('data/ does not validate: run npm run validate')
const ORIGIN = 'https://subprocessors.example.com'
const first = await planRelease(null, loaded.data, new Date('2026-12-01T00:00:00Z'), ORIGIN)
console.log(`data/                      ${first.release.digest}  (${first.views.length} representations)`)
const announced = announcing(loaded.data, { add: ACME, effective: '2027-02-01' })
const second = await planRelease(
  { release: first.release, inputs: first.inputs },
  announced,
  new Date('2026-12-02T00:00:00Z'),
  ORIGIN,
)
console.log(`data/ and an announcement  ${second.release.digest}  (${second.views.length} representations)`)
