/** `add <url>`: watch a registry, reading it once as the baseline, and pin its log's key. */
import type { Context } from '../cli/context.js'
import { EXIT } from '../cli/exit.js'

export async function add(ctx: Context): Promise<number> {
  const url = ctx.arg(0, 'add needs the registry URL')
  const { key, lang, yes, json } = ctx.options
  const allowPrivate = ctx.options['allow-private']
  const watcher = ctx.watcher()
  if (!key && !yes && ctx.io.interactive.stdin && !(await watcher.has(url))) {
    const { url: at, discovery } = await watcher.discover(url, { allowPrivate })
    const offered = discovery.evidence?.verifierKey
    if (offered) {
      ctx.line(`${at} signs its log with:\n  ${offered}`)
      const answer = await ctx.io.ask('Compare it with the key the vendor gave you another way. Pin it? [y/N] ')
      if (!/^y(es)?$/i.test(answer.trim())) {
        ctx.line('Not added.')
        return EXIT.usage
      }
    }
  }
  const policy = await ctx.policy()
  const {
    registry,
    key: pinned,
    keySource,
  } = await watcher.add(url, {
    key,
    lang,
    allowPrivate,
    ...(policy !== undefined ? { policy } : {}),
  })
  if (json) {
    ctx.json({ registry: registry.url, vendor: registry.vendor, version: registry.version, key: pinned, keySource })
    return 0
  }
  if (keySource === 'watched') {
    ctx.line(`Already watching ${registry.vendor} (${registry.url}): version ${registry.version}. Nothing changed.`)
    return 0
  }
  ctx.line(
    `Watching ${registry.vendor} (${registry.url}): version ${registry.version}, ${registry.entries.length} sub-processors.`,
  )
  if (keySource === 'discovery')
    ctx.line(
      `Pinned on first sight, from its discovery document:\n  ${pinned}\nCompare it with the key the vendor gives you another way.`,
    )
  else if (keySource === 'given') ctx.line(`Pinned the key you gave, and checked the log against it:\n  ${pinned}`)
  else ctx.line('It serves no signed log: changes are watched, evidence is not.')
  if (registry.policy) ctx.line('Its checkpoints must carry the cosignatures your witness policy requires.')
  return 0
}
