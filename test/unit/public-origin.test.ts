import { describe, expect, it } from 'vitest'
import { checkOrigin, remoteOriginProblem } from '../../src/cli/public-origin'

describe('checkOrigin', () => {
  it.each([
    ['https://subprocessors.example.com', 'https://subprocessors.example.com'],
    ['https://subprocessors.example.com/', 'https://subprocessors.example.com'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['HTTPS://Example.COM', 'https://example.com'],
  ])('takes %s as %s', (value, origin) => expect(checkOrigin(value)).toBe(origin))

  it.each([
    ['subprocessors.example.com', '"subprocessors.example.com" is not a URL'],
    ['https://example.com/registry', 'is not an http(s) origin: give the scheme, host and port only'],
    ['https://example.com?x=1', 'is not an http(s) origin'],
    ['ftp://example.com', 'is not an http(s) origin'],
  ])('refuses %s', (value, message) => expect(() => checkOrigin(value)).toThrow(message))
})

describe('remoteOriginProblem: what a remote publish signs in for good', () => {
  it('takes the origin serving the registry, and a log named for its host', () => {
    expect(remoteOriginProblem('https://subprocessors.liveagent.com', 'subprocessors.liveagent.com/log')).toBeNull()
  })

  it.each([
    [
      'https://subprocessors.example.com',
      'subprocessors.example.com/liveagent',
      'is a special-use name (.example.com)',
    ],
    ['http://127.0.0.1:8787', '127.0.0.1/log', 'is a loopback address'],
    ['http://subprocessors.liveagent.com', 'subprocessors.liveagent.com/log', 'is not HTTPS'],
    [
      'https://subprocessors.liveagent.com',
      'subprocessors.example.com/liveagent',
      'the log is named "subprocessors.example.com/liveagent" (evidence.origin in data/registry.json), but the registry is served from subprocessors.liveagent.com',
    ],
  ])('refuses %s with the log %s', (origin, log, message) => {
    const problem = remoteOriginProblem(origin, log)
    expect(problem).toContain(message)
    expect(problem).toContain('Set PUBLIC_ORIGIN under [vars] in wrangler.toml')
  })
})
