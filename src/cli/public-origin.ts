/**
 * The origin readers fetch the registry from, one setting for everything that names it: feeds
 * and webhook payloads link from it (a feed has no base URL), and the signed log's name begins
 * with its host. `--origin` if given; else, for a publish to local storage, what `npm start`
 * serves; else `PUBLIC_ORIGIN` in wrangler.toml's `[vars]`, which the Worker reads too. A remote
 * publish refuses the example's origin, and a log named for another host: both are signed in for good.
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'smol-toml'
import { refusedHost } from '../../client/src/address'

/** Where `npm start` serves the registry. */
export const LOCAL_ORIGIN = 'http://127.0.0.1:8787'

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

/**
 * Why a remote publish may not sign this origin in, or null: the example's host, plain HTTP, or
 * a log (`evidence.origin` in data/registry.json) named for another host than the one serving it.
 */
export function remoteOriginProblem(origin: string, logName: string): string | null {
  const url = new URL(origin)
  const where =
    'Set PUBLIC_ORIGIN under [vars] in wrangler.toml to the origin that serves your registry (its custom domain or route: docs/deploying.md), and evidence.origin in data/registry.json to its host and a path.'
  const refused = refusedHost(url.hostname)
  if (refused) return `${origin} is ${refused}, not the origin of a deployed registry. ${where}`
  if (url.protocol !== 'https:') return `${origin} is not HTTPS; a deployed registry is. ${where}`
  const logHost = logName.split('/')[0]
  if (logHost !== url.host)
    return `the log is named "${logName}" (evidence.origin in data/registry.json), but the registry is served from ${url.host}: a log's name begins with its registry's host, and is signed into every checkpoint. ${where}`
  return null
}

export async function publicOrigin(
  given: string | undefined,
  config: string,
  { remote, logName }: { remote: boolean; logName: string },
): Promise<string> {
  try {
    if (!remote) return checkOrigin(given ?? LOCAL_ORIGIN)
    const vars = given ? null : (parse(await readFile(config, 'utf8')) as { vars?: { PUBLIC_ORIGIN?: unknown } }).vars
    const value = given ?? vars?.PUBLIC_ORIGIN
    if (typeof value !== 'string') throw new Error(`${config} sets no [vars] PUBLIC_ORIGIN`)
    const origin = checkOrigin(value)
    const problem = remoteOriginProblem(origin, logName)
    if (problem) throw new Error(problem)
    return origin
  } catch (error) {
    console.error(`The public origin: ${(error as Error).message}`)
    process.exit(64)
  }
}
