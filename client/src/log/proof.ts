/**
 * Checking RFC 6962 proofs with nothing but the proof, the sizes and the roots, shaped as
 * transparency-dev/merkle's `proof/verify.go`: the proof's length is checked before anything is
 * hashed, both proofs share the same chain helpers, and a failure is a ProofError saying why.
 */
import { type Bytes, equalBytes } from '../bytes.js'
import { type Hash, nodeHash } from './merkle.js'

export class ProofError extends Error {}

// Sizes reach 2^53; JavaScript's bit operators stop at 2^32, so bits are counted on BigInt.
const bitLength = (n: bigint) => (n === 0n ? 0 : n.toString(2).length)
const onesCount = (n: bigint) => [...n.toString(2)].filter((bit) => bit === '1').length
const trailingZeros = (n: bigint) => (n === 0n ? 64 : n.toString(2).length - 1 - n.toString(2).lastIndexOf('1'))
const isSet = (n: bigint, i: number) => ((n >> BigInt(i)) & 1n) === 1n

/** How many proof hashes sit below the point where the leaf's path meets the tree's right border, and above it. */
function decompose(index: bigint, size: bigint): { inner: number; border: number } {
  const inner = bitLength(index ^ (size - 1n))
  return { inner, border: onesCount(index >> BigInt(inner)) }
}

async function chainInner(seed: Hash, proof: Hash[], index: bigint): Promise<Hash> {
  for (const [i, hash] of proof.entries())
    seed = isSet(index, i) ? await nodeHash(hash, seed) : await nodeHash(seed, hash)
  return seed
}

async function chainInnerRight(seed: Hash, proof: Hash[], index: bigint): Promise<Hash> {
  for (const [i, hash] of proof.entries()) if (isSet(index, i)) seed = await nodeHash(hash, seed)
  return seed
}

async function chainBorderRight(seed: Hash, proof: Hash[]): Promise<Hash> {
  for (const hash of proof) seed = await nodeHash(hash, seed)
  return seed
}

function checkHashes(proof: Bytes[], what: string): void {
  if (proof.some((hash) => hash.byteLength !== 32)) throw new ProofError(`${what} holds a hash that is not 32 bytes`)
}

function match(calculated: Hash, expected: Hash, which: string): void {
  if (!equalBytes(calculated, expected)) throw new ProofError(`the proof leads to another root than the ${which}`)
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2); throws ProofError when it cannot be one. */
export async function rootFromInclusionProof(leaf: Hash, index: number, size: number, proof: Hash[]): Promise<Hash> {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    throw new ProofError(`there is no leaf ${index} in a tree of ${size}`)
  if (leaf.byteLength !== 32) throw new ProofError('the leaf hash is not 32 bytes')
  const { inner, border } = decompose(BigInt(index), BigInt(size))
  if (proof.length !== inner + border)
    throw new ProofError(
      `the inclusion proof has ${proof.length} hashes; a leaf ${index} of ${size} needs ${inner + border}`,
    )
  checkHashes(proof, 'the inclusion proof')
  return chainBorderRight(await chainInner(leaf, proof.slice(0, inner), BigInt(index)), proof.slice(inner))
}

/** That the leaf is at `index` of the tree of `size` with `root`; throws ProofError saying why not. */
export async function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  proof: Hash[],
  root: Hash,
): Promise<void> {
  match(await rootFromInclusionProof(leaf, index, size, proof), root, 'signed root')
}

/**
 * That the tree of `older` leaves with `oldRoot` is a prefix of the tree of `newer` with `newRoot`
 * (RFC 9162 §2.1.4.2); throws ProofError saying why not. An empty tree is a prefix of every tree.
 */
export async function verifyConsistency(
  older: number,
  newer: number,
  proof: Hash[],
  oldRoot: Hash,
  newRoot: Hash,
): Promise<void> {
  if (!(Number.isSafeInteger(older) && Number.isSafeInteger(newer) && older >= 0))
    throw new ProofError('the sizes are not tree sizes')
  if (newer < older) throw new ProofError(`the newer tree (${newer}) is smaller than the older (${older})`)
  if (older === newer) {
    if (proof.length > 0) throw new ProofError('the trees are the same size, but the proof is not empty')
    return match(oldRoot, newRoot, 'older root')
  }
  if (older === 0) {
    if (proof.length > 0) throw new ProofError('a proof from the empty tree must be empty')
    return
  }
  if (proof.length === 0) throw new ProofError('the consistency proof is empty')
  checkHashes(proof, 'the consistency proof')
  const decomposed = decompose(BigInt(older - 1), BigInt(newer))
  const shift = trailingZeros(BigInt(older))
  const inner = decomposed.inner - shift
  // The proof starts with the root of the subtree of 2^shift leaves, unless the older tree is that subtree.
  const [seed, rest] = older === 2 ** shift ? [oldRoot, proof] : [proof[0]!, proof.slice(1)]
  if (rest.length !== inner + decomposed.border)
    throw new ProofError(
      `the consistency proof has ${proof.length} hashes; from ${older} to ${newer} needs ${inner + decomposed.border + (older === 2 ** shift ? 0 : 1)}`,
    )
  const mask = BigInt(older - 1) >> BigInt(shift)
  const first = await chainBorderRight(await chainInnerRight(seed, rest.slice(0, inner), mask), rest.slice(inner))
  match(first, oldRoot, 'older root')
  const second = await chainBorderRight(await chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner))
  match(second, newRoot, 'newer root')
}
