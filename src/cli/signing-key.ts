/**
 * Where the publisher's signing key comes from. On a real account: a file (`--signing-key`) or
 * the `REGISTRY_SIGNING_KEY` environment variable, never a default. Locally: the same, or else a
 * development key in `.dev-signing-key` (git-ignored), made on first use and announced once.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { generateKey, parseSignerKey, type SignerKey } from '../domain/signed-note'

export const DEV_KEY_FILE = '.dev-signing-key'

export interface KeySource {
  /** A file holding the key (`PRIVATE+KEY+…`). */
  file?: string
  /** Publishing to Cloudflare: the key must be given, never made. */
  remote: boolean
  /** The log's name, from data/registry.json: a development key is made for it. */
  origin: string
}

export async function loadSigningKey({ file, remote, origin }: KeySource): Promise<SignerKey> {
  if (file) return parseSignerKey(await readFile(file, 'utf8'))
  const fromEnvironment = process.env.REGISTRY_SIGNING_KEY
  if (fromEnvironment) return parseSignerKey(fromEnvironment)
  if (remote)
    throw new Error(
      "Publishing to Cloudflare signs with the registry's own key: give it with --signing-key FILE or REGISTRY_SIGNING_KEY. `npm run keygen` makes one.",
    )
  return developmentKey(origin)
}

/** The local development key: made once, atomically, so that two publishes at once agree on it. */
async function developmentKey(origin: string): Promise<SignerKey> {
  const made = await generateKey(origin)
  try {
    await writeFile(DEV_KEY_FILE, `${made.signer}\n`, { flag: 'wx', mode: 0o600 })
    console.log(
      `Created ${DEV_KEY_FILE}, a development key for the log ${origin}. Its verifier key (pin it to check local checkpoints):`,
    )
    console.log(`  ${made.verifier}`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const key = await parseSignerKey(await readFile(DEV_KEY_FILE, 'utf8'))
  if (key.name !== origin)
    throw new Error(
      `${DEV_KEY_FILE} signs the log "${key.name}", but data/registry.json names it "${origin}": delete ${DEV_KEY_FILE} to make a new one.`,
    )
  return key
}
