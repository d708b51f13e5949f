/**
 * `npm run verify -- <file> --evidence <evidence.json> --key <verifier key or file> [--json]`
 *
 * Offline: says whether the file is, byte for byte, a representation of the version the evidence
 * names, and whether that version is in the log the key signs. Exit codes (src/domain/verify.ts):
 * 0 verified, 2 tampered, 3 not listed, 4 wrong key, 5 proof does not match, 6 not evidence, 64 usage.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { explain, VERIFY_EXIT, verifyFile } from '../domain/verify'

const USAGE =
  'usage: npm run verify -- <file> --evidence <evidence.json> --key <verifier key, or a file holding it> [--json]'

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`)
  process.exit(VERIFY_EXIT.usage)
}

const parseOptions = () =>
  parseArgs({
    allowPositionals: true,
    options: { evidence: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false } },
  })
let parsed: ReturnType<typeof parseOptions>
try {
  parsed = parseOptions()
} catch (error) {
  fail((error as Error).message)
}
const { values, positionals } = parsed
if (positionals.length !== 1 || !values.evidence || !values.key)
  fail('Give one file, its --evidence and the --key you pinned.')
const [file] = positionals as [string]
const read = async (path: string, what: string) => readFile(path).catch(() => fail(`Cannot read the ${what} ${path}.`))
const bytes = await read(file, 'file')
const evidence = (await read(values.evidence, 'evidence')).toString('utf8')
// The key itself, or a file that holds it.
const key = existsSync(values.key) ? (await readFile(values.key, 'utf8')).trim() : values.key

const result = await verifyFile(basename(file), new Uint8Array(bytes), evidence, key)
if (values.json) console.log(JSON.stringify(result, null, 2))
else (result.outcome === 'verified' ? console.log : console.error)(explain(result))
process.exitCode = VERIFY_EXIT[result.outcome]
