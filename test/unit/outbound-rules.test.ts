import { describe, expect, it } from 'vitest'
import { checkEndpointUrl, refusedHost } from '../../src/webhooks/endpoint'
import { clientKey } from '../../src/webhooks/subscribe'

/**
 * IANA's IPv4 Special-Purpose Address Registry (with 192.88.99.0/24, the deprecated 6to4 relay
 * block, and multicast from the multicast registry), as published: [block, name]. Written out
 * here, apart from the code's own table, so that a block missing there fails.
 */
const IPV4_REGISTRY: [string, string][] = [
  ['0.0.0.0/8', '"This network"'],
  ['0.0.0.0/32', '"This host on this network"'],
  ['10.0.0.0/8', 'Private-Use'],
  ['100.64.0.0/10', 'Shared Address Space'],
  ['127.0.0.0/8', 'Loopback'],
  ['169.254.0.0/16', 'Link Local'],
  ['172.16.0.0/12', 'Private-Use'],
  ['192.0.0.0/24', 'IETF Protocol Assignments'],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix'],
  ['192.0.0.8/32', 'IPv4 dummy address'],
  ['192.0.0.9/32', 'Port Control Protocol Anycast'],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast'],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery'],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery'],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1)'],
  ['192.31.196.0/24', 'AS112-v4'],
  ['192.52.193.0/24', 'AMT'],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)'],
  ['192.168.0.0/16', 'Private-Use'],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service'],
  ['198.18.0.0/15', 'Benchmarking'],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'Multicast'],
  ['240.0.0.0/4', 'Reserved'],
  ['255.255.255.255/32', 'Limited Broadcast'],
]

/** IANA's IPv6 Special-Purpose Address Registry, with site-local (deprecated) and multicast. */
const IPV6_REGISTRY: [string, string][] = [
  ['::1/128', 'Loopback Address'],
  ['::/128', 'Unspecified Address'],
  ['::ffff:0:0/96', 'IPv4-mapped Address'],
  ['64:ff9b:1::/48', 'IPv4-IPv6 Translat.'],
  ['100::/64', 'Discard-Only Address Block'],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix'],
  ['2001::/23', 'IETF Protocol Assignments'],
  ['2001::/32', 'TEREDO'],
  ['2001:1::1/128', 'Port Control Protocol Anycast'],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast'],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast'],
  ['2001:2::/48', 'Benchmarking'],
  ['2001:3::/32', 'AMT'],
  ['2001:4:112::/48', 'AS112-v6'],
  ['2001:10::/28', 'Deprecated (previously ORCHID)'],
  ['2001:20::/28', 'ORCHIDv2'],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix'],
  ['2001:db8::/32', 'Documentation'],
  ['2002::/16', '6to4'],
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service'],
  ['3fff::/20', 'Documentation'],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs'],
  ['fc00::/7', 'Unique-Local'],
  ['fe80::/10', 'Link-Local Unicast'],
  ['fec0::/10', 'Site-Local (deprecated)'],
  ['ff00::/8', 'Multicast'],
]

function v4Bounds(block: string): [string, string] {
  const [address, length] = block.split('/') as [string, string]
  const value = address.split('.').reduce((n, part) => n * 256 + Number(part), 0)
  const size = 2 ** (32 - Number(length))
  const text = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
  return [text(value), text(value + size - 1)]
}

function v6Bounds(block: string): [string, string] {
  const [address, length] = block.split('/') as [string, string]
  const [head, tail = ''] = address.split('::') as [string, string?]
  const groups = (part: string) => (part ? part.split(':') : [])
  const all = [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)]
  const value = all.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n)
  const last = value | ((1n << BigInt(128 - Number(length))) - 1n)
  const text = (n: bigint) =>
    `[${Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':')}]`
  return [text(value), text(last)]
}

describe('IP literals: only global unicast, as the IANA special-purpose registries define it', () => {
  it.each(IPV4_REGISTRY)('refuses the first and the last address of %s (%s)', (block) => {
    for (const address of v4Bounds(block))
      expect(checkEndpointUrl(`https://${address}/hook`, false), address).toMatchObject({ ok: false })
  })

  it.each(IPV6_REGISTRY)('refuses the first and the last address of %s (%s)', (block) => {
    for (const address of v6Bounds(block))
      expect(checkEndpointUrl(`https://${address}/hook`, false), address).toMatchObject({ ok: false })
  })

  it.each<[string, string]>([
    ['[::7f00:1]', 'an address outside global unicast'],
    ['[::ffff:0:7f00:1]', 'an address outside global unicast'],
    ['[64:ff9b:1::a00:1]', 'an address outside global unicast'],
    ['[2002:7f00:1::]', 'a 6to4 address'],
    ['[2001::1]', 'a Teredo address'],
    ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', 'a Teredo address'],
    ['[fec0::1]', 'an address outside global unicast'],
    ['192.0.2.1', 'a documentation address'],
    ['198.51.100.7', 'a documentation address'],
    ['203.0.113.200', 'a documentation address'],
    ['192.88.99.1', 'a 6to4 relay address'],
    ['[::ffff:a9fe:a9fe]', 'a link-local address'],
    ['[64:ff9b::7f00:1]', 'a loopback address'],
  ])('refuses %s: %s', (host, what) => {
    expect(refusedHost(host)).toBe(what)
  })

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '192.0.1.255',
    '192.0.3.0',
    '198.51.99.255',
    '203.0.114.0',
    '223.255.255.255',
    '[2606:4700::1111]',
    '[2a00:1450:4001::200e]',
    '[64:ff9b::808:808]',
    '[::ffff:808:808]',
    '[2001:200::1]',
  ])('accepts the global unicast address %s', (host) => {
    expect(refusedHost(host)).toBeNull()
  })
})

describe('host names', () => {
  it.each<[string, string]>([
    ['https://vm:9443/hook', 'a single-label name'],
    ['https://ip6-localhost/hook', 'a single-label name'],
    ['https://localhost./hook', 'a special-use name (.localhost)'],
    ['https://foo.localhost./hook', 'a special-use name (.localhost)'],
    ['https://localhost.localdomain/hook', 'a special-use name (.localdomain)'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'a special-use name (.internal)'],
    ['https://printer.local/hook', 'a special-use name (.local)'],
    ['https://router.home.arpa/hook', 'a special-use name (.arpa)'],
    ['https://1.0.0.127.in-addr.arpa/hook', 'a special-use name (.arpa)'],
    ['https://hooks.test/hook', 'a special-use name (.test)'],
    ['https://hooks.invalid./hook', 'a special-use name (.invalid)'],
    ['https://hooks.example/hook', 'a special-use name (.example)'],
    ['https://www.example.com/hook', 'a special-use name (.example.com)'],
    ['https://hidden.onion/hook', 'a special-use name (.onion)'],
    ['https://127.0.0.1.nip.io/hook', 'a name that embeds an address'],
    ['https://7f000001.nip.io/hook', 'a name that embeds an address'],
    ['https://app-10-0-0-1.sslip.io/hook', 'a name that embeds an address'],
    ['https://10-0-0-1.my-resolver.net/hook', 'a name that embeds an address'],
    ['https://hooks.169.254.169.254.my-resolver.net/hook', 'a name that embeds an address'],
    ['https://x.localtest.me/hook', 'a name that embeds an address'],
    ['https://a..b.net/hook', 'a name with an empty label'],
  ])('refuses %s: %s', (url, what) => {
    expect(checkEndpointUrl(url, false)).toEqual({ ok: false, message: `must name a public host, not ${what}` })
  })

  it.each([
    'https://hooks.vendor-risk.net/in',
    'https://ec2-54-12-34-56.compute-1.amazonaws.com/in',
    'https://hooks.vendor-risk.net./in',
    'https://xn--bcher-kva.de/in',
  ])('accepts %s', (url) => {
    expect(checkEndpointUrl(url, false)).toMatchObject({ ok: true })
  })

  it('counts a name with and without its trailing dot as one host', () => {
    expect(checkEndpointUrl('https://hooks.vendor-risk.net./in', false)).toMatchObject({
      host: 'hooks.vendor-risk.net',
    })
  })
})

describe('clientKey', () => {
  it.each<[string | undefined, boolean, string]>([
    ['198.51.100.7', true, '198.51.100.7'],
    ['2001:db8:1:2::1', true, '2001:0db8:0001:0002::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', true, '2001:0db8:0001:0002::/64'],
    ['2001:db8:1:3::1', true, '2001:0db8:0001:0003::/64'],
    ['198.51.100.7', false, 'unidentified'],
    [undefined, true, 'unidentified'],
  ])('%s (trusted: %s) counts as %s', (header, trusted, key) => {
    expect(clientKey(header, trusted)).toBe(key)
  })
})
