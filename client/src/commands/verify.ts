/**
 * `verify <file> --evidence FILE --key KEY [--policy FILE]`: offline, whether the file is, byte for
 * byte, a representation of the version the evidence (or tlog-proof) names, in the log the key
 * signs, and with a policy, cosigned by its witnesses' quorum. Exit codes: 0 verified,
 * 2 tampered, 3 not listed, 4 wrong key, 5 proof does not match, 6 not evidence, 7 not witnessed, 64 usage.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import { explain, VERIFY_EXIT, verifyFile } from '../verify.js'

export async function verify(ctx: Context): Promise<number> {
  const { evidence, key } = ctx.options
  if (ctx.args.length !== 1 || !evidence || !key)
    throw new UsageError('verify needs one file, its --evidence and the --key you pinned')
  const file = ctx.args[0]!
  const read = (path: string, what: string) =>
    readFile(path).catch(() => {
      throw new UsageError(`cannot read the ${what} ${path}`)
    })
  const bytes = await read(file, 'file')
  const evidenceText = (await read(evidence, 'evidence')).toString('utf8')
  // The key itself, or a file that holds it.
  const keyText = existsSync(key) ? (await readFile(key, 'utf8')).trim() : key
  const policy =
    ctx.options.policy === undefined ? undefined : (await read(ctx.options.policy, 'policy')).toString('utf8')
  const result = await verifyFile(basename(file), new Uint8Array(bytes), evidenceText, keyText, policy)
  if (ctx.options.json) ctx.json(result)
  else if (result.outcome === 'verified') ctx.line(explain(result))
  else ctx.warn(explain(result))
  return VERIFY_EXIT[result.outcome]
}
