/**
 * The command line: parses argv, dispatches to `commands/*.ts`, and turns every outcome into an
 * exit code. Nothing runs at import; `cli.ts` is the executable that calls `main`. A crash of the
 * client itself exits 70, never 1, which means "changes".
 */
import { parseArgs } from 'node:util'
import { WatchError } from '../errors.js'
import { forTerminal } from '../text.js'
import { add } from '../commands/add.js'
import { check } from '../commands/check.js'
import { conformance } from '../commands/conform.js'
import { diff } from '../commands/diff.js'
import { exportPortfolio } from '../commands/export.js'
import { keygen } from '../commands/keygen.js'
import { object, receipts } from '../commands/object.js'
import { receive } from '../commands/receive.js'
import { remove } from '../commands/remove.js'
import { subscribe } from '../commands/subscribe.js'
import { verify } from '../commands/verify.js'
import { witness } from '../commands/witness.js'
import { type Context, context, type Options } from './context.js'
import { EXIT, UsageError } from './exit.js'
import type { Io } from './io.js'

export { EXIT } from './exit.js'
export { type Io, nodeIo } from './io.js'

export const USAGE = `Usage: subprocessor-watch <command> [options]

  add <url> [--key KEY] [--policy FILE] [--lang LANG] [--yes]
                                                  watch a registry; pins its log's key and witness policy
  remove <url>                                    stop watching it
  check                                           one pass over every registry
  diff <url> --from N --to M                      what changed between two versions
  export --format csv|json                        every vendor × sub-processor, for auditors
  subscribe <url> --endpoint URL --port P --regions R[,R…] [--languages L,…]
                                                  subscribe to a registry's webhooks; keeps the secret
  receive --port P [--secret S] [--log FILE]      verify and record webhook deliveries, once each
  conform <url> [--key KEY]                       run the format's MUSTs, level by level
  verify <file> --evidence FILE --key KEY [--policy FILE]
                                                  offline: is the file a logged version's? who witnessed it?
  keygen --name NAME --out FILE [--note]          a key of your own: prints its verifier key (--note: to sign objections)
  object <url> <change-id> --reason CATEGORY --text TEXT --key FILE [--receipt-key VKEY]
                                                  object to an announced change; keeps the signed receipt
  receipts                                        the receipts kept, checked again; commitments proven
  witness --port P --key FILE --logs FILE [--witness-state FILE]
                                                  cosign the logs you watch (C2SP tlog-witness)

Options: --state FILE (default subprocessor-watch.json), --json, --policy FILE (witnesses, C2SP tlog-policy), --timeout SECONDS (15),
         --max-bytes N (5 MiB), --max-log-growth N (65536), --concurrency N (16), --per-host N (4),
         --allow-private (private, loopback and plain-HTTP hosts: tests and intranets)

check exits 0 when nothing changed, 1 with changes, 2 when a registry's evidence fails
(its last good state is kept), 3 when a registry could not be read; 64 on a usage error,
70 on a fault of subprocessor-watch itself. verify's codes are in its own help (docs/evidence.md).`

const COMMANDS: Record<string, (ctx: Context) => Promise<number>> = {
  add,
  remove,
  check,
  diff,
  export: exportPortfolio,
  subscribe,
  receive,
  conform: conformance,
  verify,
  keygen,
  witness,
  object,
  receipts,
}

function parse(argv: string[], env: Io['env']) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      state: { type: 'string', default: env.SUBPROCESSOR_WATCH_STATE ?? 'subprocessor-watch.json' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      'allow-private': { type: 'boolean', default: false },
      key: { type: 'string' },
      lang: { type: 'string' },
      yes: { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      port: { type: 'string' },
      secret: { type: 'string' },
      log: { type: 'string', default: 'subprocessor-watch-deliveries.jsonl' },
      endpoint: { type: 'string' },
      regions: { type: 'string' },
      languages: { type: 'string' },
      events: { type: 'string' },
      evidence: { type: 'string' },
      timeout: { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-log-growth': { type: 'string' },
      concurrency: { type: 'string' },
      'per-host': { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      logs: { type: 'string' },
      'witness-state': { type: 'string', default: 'subprocessor-witness.json' },
      policy: { type: 'string', default: env.SUBPROCESSOR_WATCH_POLICY },
      note: { type: 'boolean', default: false },
      reason: { type: 'string' },
      text: { type: 'string' },
      'receipt-key': { type: 'string' },
      receipts: { type: 'string', default: 'subprocessor-watch-receipts.jsonl' },
    },
  })
}

/** Runs one command line; returns its exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv, io.env)
  } catch (error) {
    io.stderr(`subprocessor-watch: ${(error as Error).message}\n\n${USAGE}\n`)
    return EXIT.usage
  }
  const [name, ...args] = parsed.positionals
  if (parsed.values.help) {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  const command = name ? COMMANDS[name] : undefined
  if (!command) {
    io.stderr(`${name ? `subprocessor-watch: unknown command ${JSON.stringify(forTerminal(name))}\n\n` : ''}${USAGE}\n`)
    return EXIT.usage
  }
  const ctx = context(io, parsed.values as Options, args)
  try {
    return await command(ctx)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`subprocessor-watch: ${error.message}\n\n${USAGE}\n`)
      return EXIT.usage
    }
    if (error instanceof WatchError) {
      if (ctx.options.json) ctx.json({ error: { kind: error.kind, message: error.message, hint: error.hint } })
      else ctx.warn(`${error.message}.\n${error.hint}`)
      return error.kind === 'evidence' ? EXIT.evidence : EXIT.error
    }
    ctx.warn(
      `subprocessor-watch failed: ${(error as Error)?.message ?? String(error)}\nThis is a fault of subprocessor-watch itself: report it, with this message.`,
    )
    return EXIT.fault
  }
}
