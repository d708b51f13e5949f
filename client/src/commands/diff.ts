/** `diff <url> --from N --to M`: the lists' difference, and the changes announced and withdrawn between the two versions. */
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import { describeChange } from '../events.js'

export async function diff(ctx: Context): Promise<number> {
  const url = ctx.arg(0, 'diff needs the registry URL')
  const from = ctx.number('from') ?? usage('diff needs --from N')
  const to = ctx.number('to') ?? usage('diff needs --to M')
  const result = await ctx
    .watcher()
    .diff(url, from, to, { lang: ctx.options.lang, allowPrivate: ctx.options['allow-private'] })
  if (ctx.options.json) {
    ctx.json(result)
    return 0
  }
  ctx.line(`${result.registry}: version ${from} → ${to}`)
  for (const e of result.added) ctx.line(`  added      ${e.id}  ${e.name ?? ''}`)
  for (const e of result.removed) ctx.line(`  removed    ${e.id}  ${e.name ?? ''}`)
  for (const e of result.modified) ctx.line(`  modified   ${e.id}  ${e.fields.map((f) => f.field).join(', ')}`)
  const described = (c: (typeof result.announced)[number]) =>
    describeChange({ type: c.type, subprocessor: c.entry, fields: c.fields ?? [], regions: c.regions })
  for (const c of result.announced)
    ctx.line(`  announced  ${described(c)}, effective ${c.effectiveAt.slice(0, 10)} (version ${c.version})`)
  for (const c of result.withdrawn) ctx.line(`  withdrawn  ${described(c)} (version ${c.withdrawn!.version})`)
  const none = [result.added, result.removed, result.modified, result.announced, result.withdrawn].every(
    (l) => l.length === 0,
  )
  if (none) ctx.line('  no change, and nothing announced or withdrawn')
  return 0
}

function usage(message: string): never {
  throw new UsageError(message)
}
