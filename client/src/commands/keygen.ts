/**
 * `keygen --name NAME --out FILE`: a new Ed25519 key for this party. The private key goes to FILE
 * (created, never overwritten, readable by its owner only); the verifier key is printed, to hand to
 * the registries it will witness. Cosignature keys (C2SP tlog-cosignature, type 0x04) sign
 * checkpoints; the same command makes them for every use the client has for a key.
 */
import { writeFile } from 'node:fs/promises'
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import { generateCosignerKey } from '../cosign/cosignature.js'
import { generateKey } from '../log/signed-note.js'

export async function keygen(ctx: Context): Promise<number> {
  const name =
    ctx.options.name ?? usage('keygen needs --name, a schema-less URL that names you (witness.example.com/w1)')
  const out = ctx.options.out ?? usage('keygen needs --out FILE, where the private key is written')
  let key: Awaited<ReturnType<typeof generateCosignerKey>>
  try {
    // --note: a signed-note key (type 0x01), what a customer signs objections with; else a witness's cosignature key.
    key = ctx.options.note ? await generateKey(name) : await generateCosignerKey(name)
  } catch (error) {
    return usage((error as Error).message)
  }
  try {
    await writeFile(out, `${key.signer}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') usage(`${out} exists: keygen never overwrites a key`)
    throw error
  }
  if (ctx.options.json) ctx.json({ verifierKey: key.verifier, privateKeyFile: out })
  else {
    ctx.line(`Private key written to ${out}: keep it secret, and out of any repository.`)
    ctx.line(
      ctx.options.note
        ? 'Verifier key (give it to the registry operator, as you give a DPA):'
        : 'Verifier key (give it to each registry you witness):',
    )
    ctx.line(key.verifier)
  }
  return 0
}

function usage(message: string): never {
  throw new UsageError(message)
}
