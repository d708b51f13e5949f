import type { SignerKey } from '../../src/domain/signed-note'

/**
 * Signing keys for tests only: published here, so they prove nothing outside a test. The second
 * is what a rotation moves to.
 */
export const TEST_SIGNER_KEY =
  'PRIVATE+KEY+subprocessors.example.com/liveagent+2dfe35cd+Ad5XEdSWIAL8gMt0JjhbD+TdXW1M+4I8IXMxa9lyUoUF'
export const TEST_VERIFIER_KEY =
  'subprocessors.example.com/liveagent+2dfe35cd+AVVamQJD7BC22G4KGf3ZfbohaL4Y7a0g3D9Z2LLGz6kk'
export const NEXT_SIGNER_KEY =
  'PRIVATE+KEY+subprocessors.example.com/liveagent+8f921ae4+AS8COJK7qbaixrKj4OGX6oTQ0CDbeNYmevxuzpi51Vv3'
export const NEXT_VERIFIER_KEY =
  'subprocessors.example.com/liveagent+8f921ae4+AZRknqUnsoPdo+QmMcdTmInQ03KKLMh/QPIgDv/VF9nb'

/** A signer key from its text, without Web Crypto: test modules set it up at load, where no promise may wait. */
export function signerKey(signer: string, verifier: string): SignerKey {
  const decode = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  // name+keyid+key: the key's base64 may hold "+" itself.
  const fields = (text: string, count: number) => [
    ...text.split('+').slice(0, count - 1),
    text
      .split('+')
      .slice(count - 1)
      .join('+'),
  ]
  const [, , name, id, seed] = fields(signer, 5) as [string, string, string, string, string]
  const [, , publicKey] = fields(verifier, 3) as [string, string, string]
  const verifierKey = { name, id: parseInt(id, 16), publicKey: decode(publicKey).slice(1), text: verifier }
  return { name, id: verifierKey.id, seed: decode(seed).slice(1), verifier: verifierKey }
}

/** The Worker's receipt key in tests (RECEIPT_SIGNING_KEY): it signs objection receipts, never the log. */
export const TEST_RECEIPT_SIGNER_KEY =
  'PRIVATE+KEY+subprocessors.example.com/liveagent/receipts+c470dda0+Adpd5KC3oe9TL0oAan7Rir69KlQFptumCd/13aUgMt7q'
export const TEST_RECEIPT_VERIFIER_KEY =
  'subprocessors.example.com/liveagent/receipts+c470dda0+AW8eyWXhvd2RI4qR2bUeeQOtj4sqBVI5+zFNDEXEAqsW'
