/**
 * The data examples in docs/ are data the publisher accepts: every JSON block that holds
 * announcements is validated by the same loader `publish-data` uses, so an example cannot drift
 * from the schema. It names LiveAgent's entries as transcribed (twilio, openai), so it is checked
 * with the fixture dataset: data/ may since have lost openai, or gained a language.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadData } from '../../src/cli/load-data'

const ROOT = resolve(import.meta.dirname, '..', '..')

/** The fenced ```json blocks of a Markdown file, indented ones (inside a list) included, parsed. */
async function jsonBlocks(doc: string): Promise<unknown[]> {
  const markdown = await readFile(join(ROOT, doc), 'utf8')
  return [...markdown.matchAll(/^( *)```json\n([\s\S]*?)^\1```/gm)].map(([, indent, body]) =>
    JSON.parse(
      body!
        .split('\n')
        .map((line) => line.slice(indent!.length))
        .join('\n'),
    ),
  )
}

describe('the announcement example in docs/changing-the-data.md', () => {
  it('validates with the transcribed list, as publish-data would load it', async () => {
    const examples = (await jsonBlocks('docs/changing-the-data.md')).filter(
      (block) => typeof block === 'object' && block !== null && 'announcements' in block,
    )
    expect(examples).toHaveLength(1)
    const dir = await mkdtemp(join(tmpdir(), 'doc-example-'))
    try {
      await cp(join(ROOT, 'test', 'fixtures', 'data'), dir, { recursive: true })
      await writeFile(join(dir, 'announcements.json'), JSON.stringify(examples[0]))
      const loaded = await loadData(dir)
      expect(
        loaded.ok ? [] : loaded.problems.map(({ entry, field, message }) => `${entry} › ${field}: ${message}`),
      ).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
