// Which receipt key a publish records: the data's, else (null there) the one given at publish time.
import { describe, expect, it } from 'vitest'
import { loadData } from '../../src/cli/load-data'
import { LogRefused, withReceiptKey } from '../../src/publish/evidence'
import type { RegistryData } from '../../src/publish/input/schema'
import { FIXTURE_DATA } from '../support/harness'
import { TEST_RECEIPT_VERIFIER_KEY } from '../support/keys'

const loaded = await loadData(FIXTURE_DATA)
if (!loaded.ok) throw new Error('test/fixtures/data does not validate')
const OTHER = 'other.example/receipts+0a1b2c3d+AXq5mC3Fp9D8i7o1A9U0Zf4lqUeXw8mEo4iQm4Yk7Jz0'

const withKey = (receiptKey: string | null | undefined): RegistryData => {
  const evidence = { ...loaded.data.registry.evidence }
  if (receiptKey === undefined) delete evidence.receiptKey
  else evidence.receiptKey = receiptKey
  return { ...loaded.data, registry: { ...loaded.data.registry, evidence } }
}

describe('withReceiptKey', () => {
  it.each<[string, string | null | undefined, string | undefined, boolean, string | undefined, RegExp | null]>([
    ['no key in the data, none given', undefined, undefined, false, undefined, null],
    ['no key in the data, one given: the data decides', undefined, OTHER, true, undefined, null],
    ['a key in the data, none given', TEST_RECEIPT_VERIFIER_KEY, undefined, true, TEST_RECEIPT_VERIFIER_KEY, null],
    [
      'a key in the data, the same given',
      TEST_RECEIPT_VERIFIER_KEY,
      TEST_RECEIPT_VERIFIER_KEY,
      true,
      TEST_RECEIPT_VERIFIER_KEY,
      null,
    ],
    ['null in the data, one given', null, OTHER, true, OTHER, null],
    ['null in the data, none given, locally', null, undefined, false, undefined, /this version takes none/],
  ])('%s', (_, inData, given, strict, recorded, warning) => {
    const result = withReceiptKey(withKey(inData), given, strict)
    expect(result.data.registry.evidence.receiptKey).toBe(recorded)
    if (warning) expect(result.warning).toMatch(warning)
    else expect(result.warning).toBeNull()
  })

  it.each<[string, string | null, string | undefined, boolean, RegExp]>([
    [
      'a key given that contradicts the data',
      TEST_RECEIPT_VERIFIER_KEY,
      OTHER,
      false,
      /names the receipt key .* but other\.example/,
    ],
    [
      'null in the data and none given for a deployment',
      null,
      undefined,
      true,
      /--receipt-key or RECEIPT_VERIFIER_KEY/,
    ],
  ])('refuses %s', (_, inData, given, strict, message) => {
    expect(() => withReceiptKey(withKey(inData), given, strict)).toThrow(LogRefused)
    expect(() => withReceiptKey(withKey(inData), given, strict)).toThrow(message)
  })
})
