import { describe, expect, it } from 'vitest'
import { checkOrigin } from '../../src/cli/public-origin'

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
