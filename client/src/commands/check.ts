/** `check`: one pass over every registry; each event as a line, a table, and what to do about each failure. */
import { readFile } from 'node:fs/promises'
import type { Context } from '../cli/context.js'
import { EXIT } from '../cli/exit.js'
import { eventLine } from '../events.js'
import type { RegistryReport } from '../watcher.js'

export async function check(ctx: Context): Promise<number> {
  const progress = ctx.io.interactive.stderr && !ctx.options.json
  const watcher = ctx.watcher(
    progress
      ? (done, total, report) => ctx.io.stderr(`\r[${done}/${total}] ${report.vendor.slice(0, 40).padEnd(40)}`)
      : undefined,
    await ctx.policy(),
  )
  const { reports, events } = await watcher.check()
  if (progress) ctx.io.stderr('\n')
  const open = await openForObjection(ctx)
  if (ctx.options.json) ctx.json({ reports, openForObjection: open })
  else {
    for (const event of events) ctx.line(`${event.vendor}: ${eventLine(event)}`)
    table(ctx, reports)
    for (const change of open)
      ctx.line(
        `${change.vendor}: ${change.change} may be objected to until ${change.deadline}; ${change.objected ? `you objected, received ${change.objected}` : 'you have not objected'}.`,
      )
  }
  const outcomes = new Set(reports.map((report) => report.outcome))
  return outcomes.has('evidence')
    ? EXIT.evidence
    : outcomes.has('error')
      ? EXIT.error
      : outcomes.has('changed')
        ? EXIT.changed
        : EXIT.unchanged
}

/**
 * Every announced change still open to objection at a registry that takes signed objections, with
 * its deadline, and whether this customer objected: a receipt kept by `object` for it says so.
 */
async function openForObjection(ctx: Context) {
  const state = await ctx.store().load()
  const kept = (await readFile(ctx.options.receipts, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { registry: string; change: string; receipt: string })
  const now = ctx.io.now?.() ?? Date.now()
  return Object.values(state.registries)
    .filter((registry) => registry.discovery.objections)
    .flatMap((registry) =>
      registry.pending
        .filter((change) => change.objectionDeadline && Date.parse(change.objectionDeadline) > now)
        .map((change) => {
          const receipt = kept.find((k) => k.registry === registry.url && k.change === change.id)
          return {
            vendor: registry.vendor,
            change: change.id,
            deadline: change.objectionDeadline!,
            objected: receipt ? (/\nreceived (\S+)\n/.exec(receipt.receipt)?.[1] ?? 'yes') : null,
          }
        }),
    )
}

function table(ctx: Context, reports: RegistryReport[]) {
  const witnessed = (r: RegistryReport) => (r.witnessed ? `${r.witnessed.by.length} of ${r.witnessed.of}` : '—')
  const rows = reports.map((r) => [
    r.vendor,
    String(r.version ?? '—'),
    r.outcome,
    r.evidence,
    witnessed(r),
    String(r.events.length),
  ])
  const header = ['vendor', 'version', 'outcome', 'evidence', 'witnessed', 'events']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  ctx.line(line(header))
  for (const row of rows) ctx.line(line(row))
  for (const r of reports.filter((r) => r.witnessed))
    ctx.line(
      `\n${r.vendor}: witnessed by ${r.witnessed!.by.length} of ${r.witnessed!.of} (${r.witnessed!.by.join(', ') || 'none'}); the quorum is ${r.witnessed!.quorum}.`,
    )
  for (const r of reports.filter((r) => r.message)) {
    ctx.line(`\n${r.message}.\n  ${r.hint}`)
    if (r.splitView)
      ctx.line(`\nThe checkpoint seen before:\n${r.splitView.seen}\nThe checkpoint served now:\n${r.splitView.served}`)
  }
  const count = (outcome: string) => reports.filter((r) => r.outcome === outcome).length
  ctx.line(
    `\n${reports.length} ${reports.length === 1 ? 'registry' : 'registries'}: ${count('changed')} changed, ${count('unchanged')} unchanged, ${count('evidence')} evidence failures, ${count('error')} errors.`,
  )
}
