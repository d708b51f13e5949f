/**
 * The origin readers fetch the registry from: `--origin`, else `PUBLIC_ORIGIN` in wrangler.toml's
 * `[vars]`, the same setting the Worker's webhook payloads link from. Feeds carry it, since a feed
 * has no base URL to resolve a relative link against.
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'smol-toml'

export async function publicOrigin(given: string | undefined, config: string): Promise<string> {
  const value = given ?? (await configuredOrigin(config))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return refuse(`"${value}" is not a URL`)
  }
  if (!/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, ''))
    return refuse(`"${value}" is not an http(s) origin: give the scheme, host and port only`)
  return url.origin
}

async function configuredOrigin(config: string): Promise<string> {
  const vars = (parse(await readFile(config, 'utf8')) as { vars?: { PUBLIC_ORIGIN?: unknown } }).vars
  if (typeof vars?.PUBLIC_ORIGIN !== 'string') return refuse(`${config} sets no [vars] PUBLIC_ORIGIN`)
  return vars.PUBLIC_ORIGIN
}

function refuse(message: string): never {
  console.error(`The public origin: ${message}. Pass --origin https://your.host, or set PUBLIC_ORIGIN.`)
  process.exit(64)
}
