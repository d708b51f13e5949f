/**
 * Which endpoint URLs the registry will send to. A subscription makes the Worker send requests
 * to a URL a stranger chose, so the URL must name a public HTTPS endpoint and carry nothing that
 * could act as a credential.
 */

/** Longer URLs are refused: no real receiver needs more, and every attempt stores it. */
export const MAX_URL_LENGTH = 2048

/** Hosts a developer's machine may use, when the local-development variable allows plain HTTP. */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

export type EndpointCheck = { ok: true; url: string; host: string } | { ok: false; message: string }

/** Whether `raw` may be subscribed; `allowLoopback` is local development (`WEBHOOK_ALLOW_LOCAL_HTTP`). */
export function checkEndpointUrl(raw: string, allowLoopback: boolean): EndpointCheck {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, message: `must be at most ${MAX_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, message: 'must be an absolute URL' }
  }
  const loopback = allowLoopback && LOOPBACK_NAMES.has(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return { ok: false, message: 'must use https:' }
  if (url.username || url.password) return { ok: false, message: 'must not carry a user name or password' }
  if (!loopback) {
    const refused = refusedHost(url.hostname)
    if (refused) return { ok: false, message: `must name a public host, not ${refused}` }
  }
  // A fragment never reaches the server; keep the URL as it will be requested.
  url.hash = ''
  return { ok: true, url: url.href, host: url.hostname }
}

/** What is wrong with a host, or null for a public name or address. The URL parser has already normalised IPv4 forms such as `0x7f.1`. */
export function refusedHost(hostname: string): string | null {
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === 'localhost.') return 'a localhost name'
  if (hostname.startsWith('[')) return refusedIpv6(hostname.slice(1, -1))
  const v4 = parseIpv4(hostname)
  return v4 === null ? null : refusedIpv4(v4)
}

// [first address, prefix length, what it is]
const IPV4_RANGES: [number, number, string][] = [
  [ip4(0, 0, 0, 0), 8, 'a "this network" address'],
  [ip4(10, 0, 0, 0), 8, 'a private address'],
  [ip4(100, 64, 0, 0), 10, 'a CGNAT address'],
  [ip4(127, 0, 0, 0), 8, 'a loopback address'],
  [ip4(169, 254, 0, 0), 16, 'a link-local address'],
  [ip4(172, 16, 0, 0), 12, 'a private address'],
  [ip4(192, 0, 0, 0), 24, 'an IETF protocol address'],
  [ip4(192, 168, 0, 0), 16, 'a private address'],
  [ip4(198, 18, 0, 0), 15, 'a benchmarking address'],
  [ip4(224, 0, 0, 0), 4, 'a multicast address'],
  [ip4(240, 0, 0, 0), 4, 'a reserved address'],
]

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

function parseIpv4(hostname: string): number | null {
  const parts = hostname.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number]
  return ip4(a, b, c, d)
}

function refusedIpv4(address: number): string | null {
  for (const [first, prefix, what] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
    if (((address & mask) >>> 0) === first) return what
  }
  return null
}

/** Eight 16-bit groups, or null if the text is not an IPv6 address as the URL parser writes it. */
function parseIpv6(text: string): number[] | null {
  const halves = text.split('::')
  if (halves.length > 2) return null
  const groups = (half: string) => (half === '' ? [] : half.split(':'))
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  // The parser writes an embedded IPv4 in hex, but accept the dotted form too.
  const last = (halves.length === 2 ? tail : head).at(-1)
  if (last?.includes('.')) {
    const v4 = parseIpv4(last)
    if (v4 === null) return null
    ;(halves.length === 2 ? tail : head).splice(-1, 1, (v4 >>> 16).toString(16), (v4 & 0xffff).toString(16))
  }
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!all.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null
  return all.map((group) => parseInt(group, 16))
}

function refusedIpv6(text: string): string | null {
  const g = parseIpv6(text)
  if (!g) return 'an unreadable IPv6 address'
  const embeddedV4 = () => refusedIpv4((((g[6]! << 16) | g[7]!) >>> 0))
  if (g.slice(0, 7).every((x) => x === 0) && g[7]! <= 1) return g[7] === 1 ? 'a loopback address' : 'an unspecified address'
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return embeddedV4()
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embeddedV4()
  if ((g[0]! & 0xfe00) === 0xfc00) return 'a private address'
  if ((g[0]! & 0xffc0) === 0xfe80) return 'a link-local address'
  if ((g[0]! & 0xff00) === 0xff00) return 'a multicast address'
  return null
}
