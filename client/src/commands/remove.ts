/** `remove <url>`: stop watching a registry. */
import type { Context } from '../cli/context.js'
import { EXIT } from '../cli/exit.js'

export async function remove(ctx: Context): Promise<number> {
  const removed = await ctx.watcher().remove(ctx.arg(0, 'remove needs the registry URL'))
  ctx.line(removed ? 'Removed.' : 'Not watched; nothing to remove.')
  return removed ? 0 : EXIT.error
}
