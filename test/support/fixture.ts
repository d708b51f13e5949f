// The tests' dataset (test/fixtures/data) in Node, validated, as the unit tests read it.
import { loadData } from '../../src/cli/load-data'
import type { RegistryData } from '../../src/publish/input/schema'
import { FIXTURE_DATA } from './harness'

export async function fixtureDataInNode(): Promise<RegistryData> {
  const loaded = await loadData(FIXTURE_DATA)
  if (!loaded.ok) throw new Error(`test/fixtures/data does not validate: ${JSON.stringify(loaded.problems)}`)
  return loaded.data
}
