/**
 * `object <registry> <change-id> --reason CATEGORY --text TEXT --key FILE --receipt-key VKEY`:
 * signs an objection with the customer's own key (made with `keygen --note`), sends it to the
 * registry's `POST /objections`, checks the receipt (the registry's receipt key, the objection's
 * digest, this customer, this change) and keeps it in `--receipts FILE`. `receipts` checks each
 * kept receipt again, each resolution `receive` recorded for it (`--log FILE`), and, for a watched
 * registry, the objection's inclusion in the signed log.
 */
import { appendFile, readFile } from 'node:fs/promises'
import { toBase64 } from '../bytes.js'
import type { Context } from '../cli/context.js'
import { EXIT, UsageError } from '../cli/exit.js'
import { WatchError } from '../errors.js'
import { openNote, parseSignerKey, parseVerifierKey, signNote } from '../log/signed-note.js'
import {
  noteInstant,
  objectionText,
  parseReceiptText,
  parseResolutionText,
  type Receipt,
  type Resolution,
} from '../objections/protocol.js'

interface KeptReceipt {
  registry: string
  change: string
  objection: string
  receipt: string
  receiptKey: string
}

export async function object(ctx: Context): Promise<number> {
  const registry = ctx.arg(0, 'object needs the registry URL and the change id')
  const change = ctx.arg(1, 'object needs the change id after the registry URL')
  const { reason, text, key: keyFile } = ctx.options
  if (!reason || !text || !keyFile)
    throw new UsageError('object needs --reason CATEGORY, --text TEXT and --key FILE (yours)')
  const signer = await parseSignerKey(await readFile(keyFile, 'utf8')).catch((error: Error) => {
    throw new UsageError(`--key: ${error.message}`)
  })
  const { url, discovery } = await ctx.watcher().discover(registry, { allowPrivate: ctx.options['allow-private'] })
  // The receipt key given, else the one discovery names; a key given that discovery contradicts is refused.
  const receiptKeyText = ctx.options['receipt-key'] ?? discovery.objections?.receiptKey
  if (!receiptKeyText)
    throw new WatchError(
      'error',
      `${url} names no receipt key for objections`,
      'Give the key with --receipt-key, as the vendor gave it to you.',
    )
  if (
    ctx.options['receipt-key'] &&
    discovery.objections &&
    discovery.objections.receiptKey !== ctx.options['receipt-key']
  )
    throw new WatchError(
      'evidence',
      `${url} names another receipt key than the one you gave`,
      'Ask the vendor which key signs its receipts.',
    )
  const receiptKey = await parseVerifierKey(receiptKeyText).catch((error: Error) => {
    throw new UsageError(`the receipt key: ${error.message}`)
  })
  if (!discovery.evidence)
    throw new WatchError(
      'error',
      `${url} keeps no signed log, so it names no log to object to`,
      'Ask the vendor how to object.',
    )
  const note = await signNote(
    objectionText({
      registry: discovery.evidence.origin,
      change,
      category: reason,
      reason: text,
      objectedAt: noteInstant(new Date(ctx.io.now?.() ?? Date.now())),
    }),
    [signer],
  )
  const endpoint = new URL(discovery.objections?.submit ?? '/objections', url).href
  if (new URL(endpoint).origin !== new URL(url).origin)
    throw new WatchError(
      'error',
      `${url} sends objections to another origin`,
      'Tell the vendor: every link stays on its origin.',
    )
  const res = await (ctx.io.fetch ?? fetch)(endpoint, {
    method: 'POST',
    body: note,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  })
  const body = (await res.text()).slice(0, 16 * 1024)
  if (res.status !== 200 && res.status !== 201) {
    let message = `answered ${res.status}`
    try {
      const error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error
      if (error?.code) message = `${error.code}: ${String(error.message).slice(0, 300)}`
    } catch {}
    throw new WatchError(
      'error',
      `${endpoint} refused the objection: ${message}`,
      'Nothing was received; the message says why.',
    )
  }
  const digest = toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))))
  let receipt: Receipt | string
  try {
    receipt = parseReceiptText((await openNote(body, [receiptKey])).text)
  } catch (error) {
    throw new WatchError(
      'evidence',
      `${endpoint} answered a receipt its receipt key did not sign: ${(error as Error).message}`,
      'Keep your signed objection; ask the vendor for a valid receipt.',
    )
  }
  const expected = { registry: discovery.evidence.origin, objection: digest, customer: signer.verifier.text, change }
  if (
    typeof receipt === 'string' ||
    Object.entries(expected).some(([field, value]) => receipt[field as keyof Receipt] !== value)
  )
    throw new WatchError(
      'evidence',
      `${endpoint} answered a receipt for another objection`,
      'Keep your signed objection; ask the vendor for a valid receipt.',
    )
  const kept: KeptReceipt = { registry: url, change, objection: note, receipt: body, receiptKey: receiptKey.text }
  await appendFile(ctx.options.receipts, `${JSON.stringify(kept)}\n`)
  if (ctx.options.json) ctx.json({ received: receipt.receivedAt, status: res.status, receipt: body })
  else {
    ctx.line(
      `${res.status === 201 ? 'Received' : 'Received before'} at ${receipt.receivedAt}: the receipt is signed by ${receiptKey.text}.`,
    )
    ctx.line(`Kept in ${ctx.options.receipts}, with your signed objection.`)
  }
  return 0
}

/** The `objection.resolved` deliveries `receive` recorded: the objection each answers, and the signed note. */
async function deliveredResolutions(log: string): Promise<{ objection: string; note: string }[]> {
  const text = await readFile(log, 'utf8').catch(() => '')
  return text.split('\n').flatMap((line) => {
    try {
      const { type, payload } = JSON.parse(line) as { type?: unknown; payload?: { data?: Record<string, unknown> } }
      const { objection, resolution } = payload?.data ?? {}
      return type === 'objection.resolved' && typeof objection === 'string' && typeof resolution === 'string'
        ? [{ objection, note: resolution }]
        : []
    } catch {
      return []
    }
  })
}

/** A delivered resolution, opened with the receipt key and checked to answer this receipt's objection; why not otherwise. */
async function checkResolution(note: string, receiptKey: string, receipt: Receipt): Promise<Resolution | string> {
  try {
    const resolution = parseResolutionText(
      (await openNote(note.slice(0, 16 * 1024), [await parseVerifierKey(receiptKey)])).text,
    )
    if (typeof resolution === 'string') return resolution
    const { registry, objection, customer, change } = receipt
    if (
      Object.entries({ registry, objection, customer, change }).some(
        ([f, v]) => resolution[f as keyof Resolution] !== v,
      )
    )
      return 'it answers another objection'
    return resolution
  } catch (error) {
    return (error as Error).message
  }
}

export async function receipts(ctx: Context): Promise<number> {
  const text = await readFile(ctx.options.receipts, 'utf8').catch(() => '')
  const resolutions = await deliveredResolutions(ctx.options.log)
  let exit: number = EXIT.unchanged
  const fail = (code: number) => {
    exit = Math.max(exit, code)
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const kept = JSON.parse(line) as KeptReceipt
    let receipt: Receipt
    try {
      const read = parseReceiptText((await openNote(kept.receipt, [await parseVerifierKey(kept.receiptKey)])).text)
      if (typeof read === 'string') throw new Error(read)
      receipt = read
    } catch (error) {
      fail(EXIT.evidence)
      ctx.warn(`${kept.change}: the receipt does not verify: ${(error as Error).message}`)
      continue
    }
    ctx.line(`${kept.change}: received ${receipt.receivedAt} by ${receipt.registry}; the receipt verifies.`)
    for (const delivered of resolutions.filter((r) => r.objection === receipt.objection)) {
      const resolution = await checkResolution(delivered.note, kept.receiptKey, receipt)
      if (typeof resolution === 'string') {
        fail(EXIT.evidence)
        ctx.warn(`  A resolution delivered for it does not verify: ${resolution}.`)
      } else
        ctx.line(
          `  Resolved ${resolution.resolvedAt}: ${resolution.outcome}, "${resolution.reason}"; the resolution verifies.`,
        )
    }
    try {
      const proof = await ctx.watcher().proveObjection(kept.registry, receipt.objection)
      ctx.line(
        proof.status === 'pending'
          ? '  Not committed to yet: the next version the registry publishes commits to it.'
          : proof.status === 'unlogged'
            ? `  Committed to by version ${proof.version}, which the signed log read here does not hold yet: run receipts again shortly.`
            : `  Committed to by version ${proof.version} (leaf ${proof.index + 1} of ${proof.size}), checked against the signed log.`,
      )
    } catch (error) {
      if (!(error instanceof WatchError)) throw error
      fail(error.kind === 'evidence' ? EXIT.evidence : EXIT.error)
      ctx.warn(`  Its commitment is not proven: ${error.message}. ${error.hint}`)
    }
  }
  return exit
}
