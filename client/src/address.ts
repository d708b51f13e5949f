/**
 * Which hosts are public: the rules a request to a place someone else chose must pass. The
 * registry holds its webhook endpoints to them, and the client every registry it reads, unless
 * its user allows private addresses (tests, intranets). On names and address literals alone;
 * what a name resolves to is checked where the connection is made (`node.ts`, the Worker's
 * `resolve.ts`), before every request.
 */

export const withoutTrailingDot = (hostname: string) => (hostname.endsWith('.') ? hostname.slice(0, -1) : hostname)

/**
 * What is wrong with a host, or null for a public name or address. The URL parser has already
 * lower-cased names, encoded them as punycode and normalised IPv4 forms such as `0x7f.1`.
 */
export function refusedHost(hostname: string): string | null {
  if (hostname.startsWith('[')) return refusedIpv6(hostname.slice(1, -1))
  const v4 = parseIpv4(hostname)
  if (v4 !== null) return refusedIpv4(v4)
  return refusedName(withoutTrailingDot(hostname))
}

/**
 * Special-use names (IANA's Special-Use Domain Names registry, RFC 6761 and after), `internal`
 * (reserved for private use by ICANN in 2024), and the private suffixes RFC 6762 Appendix G
 * found in use. None is delegated in the public DNS, so none can name a public receiver; a
 * resolver on a private network may still answer for them. All of `arpa` is infrastructure.
 */
const SPECIAL_USE_SUFFIXES = [
  'localhost',
  'local',
  'test',
  'invalid',
  'example',
  'example.com',
  'example.net',
  'example.org',
  'onion',
  'alt',
  'arpa',
  'internal',
  'localdomain',
  'intranet',
  'private',
  'corp',
  'home',
  'lan',
]

/** Services whose names resolve to the address written in them, in any form (dotted, dashed, hex). */
const ADDRESS_ECHO_SUFFIXES = [
  'nip.io',
  'sslip.io',
  'xip.io',
  'traefik.me',
  'localtest.me',
  'lvh.me',
  'vcap.me',
  'lacolhost.com',
  'localho.st',
  'fuf.me',
]

const hasSuffix = (name: string, suffix: string) => name === suffix || name.endsWith(`.${suffix}`)

function refusedName(name: string): string | null {
  if (name === '' || name.endsWith('.') || name.includes('..')) return 'a name with an empty label'
  const special = SPECIAL_USE_SUFFIXES.find((suffix) => hasSuffix(name, suffix))
  if (special) return `a special-use name (.${special})`
  // A single label is resolved against a search domain or a hosts file: a name of the local network.
  if (!name.includes('.')) return 'a single-label name'
  if (ADDRESS_ECHO_SUFFIXES.some((suffix) => hasSuffix(name, suffix))) return 'a name that embeds an address'
  if (embedsRefusedIpv4(name)) return 'a name that embeds an address'
  return null
}

/**
 * Whether four numbers in a row, split by dots or dashes, spell a refused IPv4 address, as in
 * `10-0-0-1.hooks.net` or `app.127.0.0.1.hooks.net`. A public address written into a name is
 * common (cloud providers' reverse names) and passes; its resolution is checked like any name's.
 */
function embedsRefusedIpv4(name: string): boolean {
  const parts = name.split(/[.-]/)
  for (let i = 0; i + 4 <= parts.length; i++) {
    const v4 = parseIpv4(parts.slice(i, i + 4).join('.'))
    if (v4 !== null && refusedIpv4(v4)) return true
  }
  return false
}

/**
 * IANA's IPv4 Special-Purpose Address Registry, every block, plus multicast. Some blocks there
 * are globally reachable (anycast services such as AS112 or AMT); none is a place for a webhook
 * receiver, so all are refused. [first address, prefix length, what it is]
 */
export const IPV4_SPECIAL_PURPOSE: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'a "this network" address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a CGNAT address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.31.196.0', 24, 'an AS112 address'],
  ['192.52.193.0', 24, 'an AMT address'],
  ['192.88.99.0', 24, 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'a private address'],
  ['192.175.48.0', 24, 'an AS112 address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
  ['255.255.255.255', 32, 'the broadcast address'],
]

/**
 * IANA's IPv6 Special-Purpose Address Registry, every block inside global unicast (2000::/3);
 * everything outside 2000::/3 is refused as not global unicast. 6to4 and Teredo embed an IPv4
 * address that a relay would reach, so they are refused whole. IPv4-mapped and NAT64 addresses
 * are judged by the IPv4 address inside them.
 */
export const IPV6_SPECIAL_PURPOSE: readonly [string, number, string][] = [
  ['2001::', 23, 'an IETF protocol address'],
  ['2001::', 32, 'a Teredo address'],
  ['2001:2::', 48, 'a benchmarking address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['2002::', 16, 'a 6to4 address'],
  ['2620:4f:8000::', 48, 'an AS112 address'],
  ['3fff::', 20, 'a documentation address'],
  ['5f00::', 16, 'a segment routing address'],
]

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

export function parseIpv4(hostname: string): number | null {
  const parts = hostname.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number]
  return ip4(a, b, c, d)
}

const IPV4_RANGES = IPV4_SPECIAL_PURPOSE.map(([first, prefix, what]) => ({
  first: parseIpv4(first)!,
  mask: prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0,
  what,
}))

export function refusedIpv4(address: number): string | null {
  return IPV4_RANGES.find(({ first, mask }) => (address & mask) >>> 0 === first)?.what ?? null
}

/** The address as a 128-bit number, or null if the text is not an IPv6 address. */
export function parseIpv6(text: string): bigint | null {
  const halves = text.split('::')
  if (halves.length > 2) return null
  const groups = (half: string) => (half === '' ? [] : half.split(':'))
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  // The URL parser writes an embedded IPv4 in hex; DNS answers and people write it dotted.
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
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n)
}

const prefixMask = (length: number) => ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - length)) - 1n)
const inBlock = (address: bigint, first: bigint, length: number) => (address & prefixMask(length)) === first

const IPV6_RANGES = IPV6_SPECIAL_PURPOSE.map(([first, length, what]) => ({ first: parseIpv6(first)!, length, what }))
const IPV4_MAPPED = parseIpv6('::ffff:0:0')!
const NAT64 = parseIpv6('64:ff9b::')!
const GLOBAL_UNICAST = parseIpv6('2000::')!

export function refusedIpv6(text: string): string | null {
  const address = parseIpv6(text)
  if (address === null) return 'an unreadable IPv6 address'
  if (address === 1n) return 'a loopback address'
  if (address === 0n) return 'an unspecified address'
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  if (inBlock(address, IPV4_MAPPED, 96) || inBlock(address, NAT64, 96))
    return refusedIpv4(Number(address & 0xffffffffn))
  if (!inBlock(address, GLOBAL_UNICAST, 3)) return describeNonGlobal(address)
  // The most specific block names it: the list runs from wide to narrow.
  let refused: string | null = null
  for (const { first, length, what } of IPV6_RANGES) if (inBlock(address, first, length)) refused = what
  return refused
}

/** Names for the common blocks outside global unicast; the rest share one. */
function describeNonGlobal(address: bigint): string {
  if (inBlock(address, parseIpv6('fc00::')!, 7)) return 'a private address'
  if (inBlock(address, parseIpv6('fe80::')!, 10)) return 'a link-local address'
  if (inBlock(address, parseIpv6('ff00::')!, 8)) return 'a multicast address'
  return 'an address outside global unicast'
}
