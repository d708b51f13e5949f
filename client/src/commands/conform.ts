/** `conform <url>`: every MUST of the format a reader can observe, level by level; exit 0 when every declared level passes. */
import type { Context } from '../cli/context.js'
import { conform } from '../conform.js'
import { guardedFetch } from '../node.js'

export async function conformance(ctx: Context): Promise<number> {
  const allowPrivate = ctx.options['allow-private']
  const report = await conform(ctx.arg(0, 'conform needs the registry URL'), {
    key: ctx.options.key,
    fetch: ctx.io.fetch ?? guardedFetch({ allowPrivate, lookup: ctx.io.lookup }),
    allowPrivate,
    limits: ctx.options.timeout ? { timeoutMs: ctx.number('timeout')! * 1000 } : {},
  })
  if (ctx.options.json) ctx.json(report)
  else {
    for (const check of report.checks)
      ctx.line(
        `${check.ok ? 'PASS' : 'FAIL'}  ${check.level.padEnd(8)}  ${check.must}${check.detail ? ` (${check.detail})` : ''}`,
      )
    for (const must of report.unobservable) ctx.line(`n/a   ${must.level.padEnd(8)}  ${must.must} (${must.why})`)
    ctx.line(
      `\n${Object.entries(report.levels)
        .map(([level, verdict]) => `${level}: ${verdict}`)
        .join(', ')}`,
    )
  }
  return Object.values(report.levels).includes('fail') ? 1 : 0
}
