/**
 * `npm run keygen -- [--origin NAME] [--out FILE]`
 *
 * Makes the Ed25519 key that signs the registry's log: the signer key (keep it secret, give it to
 * `publish-data --remote`) and the verifier key (publish it: data/registry.json `evidence.verifierKey`).
 * The key's name is the log's origin, data/registry.json's `evidence.origin` unless given.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { generateKey } from '../domain/signed-note'

const { values } = parseArgs({
  options: { origin: { type: 'string' }, out: { type: 'string' }, data: { type: 'string', default: 'data' } },
})
const origin =
  values.origin ??
  (JSON.parse(await readFile(`${values.data}/registry.json`, 'utf8')) as { evidence: { origin: string } }).evidence
    .origin
const { signer, verifier } = await generateKey(origin)
if (values.out) {
  // Never over an existing key: a lost signer key cannot be made again. Its folder is the owner's alone.
  await mkdir(dirname(values.out), { recursive: true, mode: 0o700 })
  await writeFile(values.out, `${signer}\n`, { flag: 'wx', mode: 0o600 })
  console.log(
    `Signer key written to ${values.out} (mode 600). Keep it secret; publish-data --signing-key ${values.out} signs with it.`,
  )
} else {
  console.log(`Signer key (secret; store it as REGISTRY_SIGNING_KEY or in a file for --signing-key):\n  ${signer}`)
}
console.log(`Verifier key (public; put it in data/registry.json as evidence.verifierKey):\n  ${verifier}`)
