/**
 * The pure parts of witnessing, table by table: tlog-policy lines and quorums, witness-network
 * log lists, and the add-checkpoint request body.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { TEST_VERIFIER_KEY } from '../../test/support/keys'
import { parseAddCheckpoint } from '../src/cosign/add-checkpoint'
import { generateCosignerKey, parseCosignerKey } from '../src/cosign/cosignature'
import { parseLogList } from '../src/cosign/log-list'
import { describeQuorum, parsePolicy, quorumMet } from '../src/cosign/policy'
import { submitCheckpoint } from '../src/cosign/submit'

let a: string
let b: string
let c: string

beforeAll(async () => {
  const keys = await Promise.all(['a', 'b', 'c'].map((n) => generateCosignerKey(`w.example/${n}`)))
  ;[a, b, c] = keys.map((key) => key.verifier) as [string, string, string]
})

describe('parsePolicy', () => {
  it.each<[string, () => string, string]>([
    ['no quorum line', () => `witness a ${a}\n`, 'exactly one quorum line, and this one has none'],
    [
      'two quorum lines',
      () => `witness a ${a}\nquorum a\nquorum none\n`,
      'policy line 3: a policy has exactly one quorum line',
    ],
    ['a quorum of a name not defined before', () => `quorum a\nwitness a ${a}\n`, 'policy line 1: the quorum is none'],
    [
      'a group member not defined before',
      () => `witness a ${a}\ngroup g 1 a b\nquorum g\n`,
      'policy line 2: b is not defined',
    ],
    [
      'a threshold above its members',
      () => `witness a ${a}\ngroup g 2 a\nquorum g\n`,
      'policy line 2: the threshold is all, any or a number from 1 to 1',
    ],
    ['a threshold of 0', () => `witness a ${a}\ngroup g 0 a\nquorum g\n`, 'policy line 2: the threshold'],
    ['a name used twice', () => `witness a ${a}\nwitness a ${b}\nquorum a\n`, 'policy line 2: the name a is taken'],
    [
      'the same key twice',
      () => `witness a ${a}\nwitness b ${a}\nquorum a\n`,
      'policy line 2: the witness b has the same key as another',
    ],
    [
      'a log key where a cosignature key belongs',
      () => `witness a ${TEST_VERIFIER_KEY}\nquorum a\n`,
      'policy line 1: not an Ed25519 cosignature key (type 0x04',
    ],
    [
      'a URL that is not one',
      () => `witness a ${a} ftp://w.example\nquorum a\n`,
      'policy line 1: "ftp://w.example" is not a URL',
    ],
    [
      'an unknown keyword',
      () => `witnes a ${a}\nquorum none\n`,
      'policy line 1: "witnes" is not log, witness, group or quorum',
    ],
    ['none as a name', () => `witness none ${a}\nquorum none\n`, 'policy line 1: the name none is taken'],
  ])('refuses %s, naming the line', async (_, text, message) => {
    await expect(parsePolicy(text())).rejects.toThrow(message)
  })

  it('reads comments, blank lines, tabs and URLs, and keeps the policy as its lines', async () => {
    const policy = await parsePolicy(
      `# ours\n\nwitness a ${a} https://a.example/\n  witness\tb ${b}\nwitness c ${c}\ngroup g 2 a b c\nquorum g\n`,
    )
    expect(policy.witnesses.map((w) => [w.name, w.url])).toEqual([
      ['a', 'https://a.example'],
      ['b', null],
      ['c', null],
    ])
    expect(policy.text).toBe(
      `witness a ${a} https://a.example/\nwitness\tb ${b}\nwitness c ${c}\ngroup g 2 a b c\nquorum g\n`,
    )
    expect(describeQuorum(policy)).toBe('2 of 3')
  })

  it.each<[string, string, string[], boolean]>([
    ['none', 'quorum none', [], true],
    ['one witness', 'quorum a', ['b'], false],
    ['one witness, cosigned', 'quorum a', ['a'], true],
    ['2 of 3, with 1', 'group g 2 a b c\nquorum g', ['c'], false],
    ['2 of 3, with 2', 'group g 2 a b c\nquorum g', ['a', 'c'], true],
    ['all of 3, with 2', 'group g all a b c\nquorum g', ['a', 'b'], false],
    ['any of 3, with 1', 'group g any a b c\nquorum g', ['b'], true],
    ['nested: a and (b or c)', 'group bc any b c\ngroup g all a bc\nquorum g', ['a', 'c'], true],
    ['nested: a and (b or c), without a', 'group bc any b c\ngroup g all a bc\nquorum g', ['b', 'c'], false],
  ])('quorum %s', async (_, lines, cosigned, met) => {
    const policy = await parsePolicy(`witness a ${a}\nwitness b ${b}\nwitness c ${c}\n${lines}\n`)
    expect(quorumMet(policy, new Set(cosigned))).toBe(met)
  })
})

describe('parseLogList', () => {
  it('reads each log by its origin, the key name when the origin is none', async () => {
    const logs = await parseLogList(
      `# list\nlogs/v0\nvkey ${TEST_VERIFIER_KEY}\norigin none\nqpd 24\ncontact a@b.example\n\nvkey ${TEST_VERIFIER_KEY}\norigin other.example/log\nbastion none\n`,
    )
    expect([...logs.keys()]).toEqual(['subprocessors.example.com/liveagent', 'other.example/log'])
    expect(logs.get('subprocessors.example.com/liveagent')![0]).toMatchObject({ qpd: 24, contact: 'a@b.example' })
  })

  it.each([
    ['no header', `vkey ${TEST_VERIFIER_KEY}\n`, 'starts with the line "logs/v0"'],
    ['a line before any vkey', 'logs/v0\nqpd 3\n', 'log list line 2: qpd before any vkey line'],
    ['a key that is not one', 'logs/v0\nvkey nope\n', 'log list line 2: not a verifier key'],
    [
      'a qpd that is not a number',
      `logs/v0\nvkey ${TEST_VERIFIER_KEY}\nqpd many\n`,
      'log list line 3: qpd is a number',
    ],
    ['an unknown line', `logs/v0\nvkey ${TEST_VERIFIER_KEY}\nowner me\n`, 'log list line 3: unknown line owner'],
  ])('refuses %s, naming the line', async (_, text, message) => {
    await expect(parseLogList(text)).rejects.toThrow(message)
  })
})

describe('parseAddCheckpoint', () => {
  const hash = Buffer.alloc(32, 7).toString('base64')
  it.each([
    ['old 0, no proof', 'old 0\n\nnote\n', { old: 0, proofLines: 0, note: 'note\n' }],
    ['old 5 and two proof lines', `old 5\n${hash}\n${hash}\n\nnote\n`, { old: 5, proofLines: 2, note: 'note\n' }],
    ['no blank line', 'old 0\nnote\n', 'the body is an old size line'],
    ['a leading zero', 'old 01\n\nnote\n', 'the first line is "old <size>"'],
    ['a negative size', 'old -1\n\nnote\n', 'the first line is "old <size>"'],
    ['a proof line of 31 bytes', `old 1\n${Buffer.alloc(31).toString('base64')}\n\nnote\n`, 'a proof line is not'],
    ['64 proof lines', `old 1\n${`${hash}\n`.repeat(64)}\nnote\n`, 'at most 63 proof lines'],
  ])('%s', (_, body, expected) => {
    const parsed = parseAddCheckpoint(body)
    if (typeof expected === 'string') expect(parsed).toEqual(expect.stringContaining(expected))
    else {
      const { old, proof, note } = parsed as Exclude<typeof parsed, string>
      expect({ old, proofLines: proof.length, note }).toEqual(expected)
    }
  })
})

describe('submitCheckpoint, against a hostile witness', () => {
  it('reads no more than 16 KiB of an answer, and reports the witness instead of failing', async () => {
    let pulled = 0
    const endless = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            pulled++
            controller.enqueue(new Uint8Array(4096).fill(0x41))
          },
        }),
      )
    const key = await parseCosignerKey(a)
    const [outcome] = await submitCheckpoint([{ name: 'a', key, url: 'https://w.example' }], {
      note: 'log.example\n1\nAAAA\n\n— log.example AAAA\n',
      size: 1,
      proof: async () => [],
      lastCosigned: () => 0,
      fetch: async () => endless(),
    })
    expect(outcome).toMatchObject({ failure: 'answered more than 16384 bytes' })
    expect(pulled).toBeLessThan(10)
  })
})
