/**
 * The origin readers fetch the registry from: `--origin`, else `PUBLIC_ORIGIN` in wrangler.toml's
 * `[vars]`, the same setting the Worker's webhook payloads link from. Feeds carry it, since a feed
 * has no base URL to resolve a relative link against.
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'smol-toml'

/** The origin `value` names (scheme, host and port), or an Error saying why it is not one. */
export function checkOrigin(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`"${value}" is not a URL`)
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password
  if (!/^https?:$/.test(url.protocol) || !bare)
    throw new Error(`"${value}" is not an http(s) origin: give the scheme, host and port only`)
  return url.origin
}

export async function publicOrigin(given: string | undefined, config: string): Promise<string> {
  try {
    const vars = given ? null : (parse(await readFile(config, 'utf8')) as { vars?: { PUBLIC_ORIGIN?: unknown } }).vars
    const value = given ?? vars?.PUBLIC_ORIGIN
    if (typeof value !== 'string') throw new Error(`${config} sets no [vars] PUBLIC_ORIGIN`)
    return checkOrigin(value)
  } catch (error) {
    console.error(
      `The public origin: ${(error as Error).message}. Pass --origin https://your.host, or set PUBLIC_ORIGIN.`,
    )
    process.exit(64)
  }
}
