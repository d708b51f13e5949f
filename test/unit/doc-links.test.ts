/**
 * Every relative link and anchor in README.md, docs/ and bench/README.md leads somewhere: a file
 * that exists, and a heading (by GitHub's slug rules) or an explicit anchor inside it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const DOCS = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '')
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count ? `${slug}-${count}` : slug)
  }
  for (const [, id] of text.matchAll(/<a (?:id|name)="([^"]+)"/g)) anchors.add(id!)
  return anchors
}

/** The links of a Markdown file, outside code: inline `[text](target)` and `![alt](target)`. */
function linksOf(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(([, target]) => target!)
}

describe('links in the documentation', () => {
  it.each(DOCS)('every relative link and anchor in %s resolves', (doc) => {
    const markdown = readFileSync(join(ROOT, doc), 'utf8')
    const broken: string[] = []
    for (const target of linksOf(markdown)) {
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue
      const [path, anchor] = target.split('#') as [string, string | undefined]
      const file = path ? join(dirname(join(ROOT, doc)), decodeURIComponent(path)) : join(ROOT, doc)
      if (!existsSync(file)) {
        broken.push(`${target}: no file ${relative(ROOT, file)}`)
        continue
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, file)}`)
    }
    expect(broken).toEqual([])
  })

  it.each([
    ['## The API', 'the-api'],
    ['### Push: signed webhooks', 'push-signed-webhooks'],
    ['## Announcing a change, step by step', 'announcing-a-change-step-by-step'],
    ['## `?since=` and 304s', 'since-and-304s'],
    ['## Errors\n## Errors', 'errors-1'],
  ])('anchors %j as GitHub does: #%s', (heading, anchor) => {
    expect(anchorsOf(heading).has(anchor)).toBe(true)
  })

  it('finds links outside code only', () => {
    expect(linksOf('[a](docs/api.md) `[b](nowhere.md)`\n```\n[c](nowhere.md)\n```\n![d](x.png "title")')).toEqual([
      'docs/api.md',
      'x.png',
    ])
  })
})
