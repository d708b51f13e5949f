import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { ON_A_COPY } from '../support/working-data'
import { type Browser, chromium, type Page } from 'playwright-core'

// Debian's Chromium, offline: background networking would only be refused by a closed network.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Playwright gives each launch a fresh, empty profile (its own --user-data-dir). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: FLAGS })
}

// A run on a copy of data/ keeps its own, beside those of the run on data/.
export const ARTIFACTS = new URL(ON_A_COPY ? './artifacts/on-a-copy/' : './artifacts/', import.meta.url).pathname
export const README_SCREENSHOTS = new URL('./screenshots/', import.meta.url).pathname
await mkdir(ARTIFACTS, { recursive: true })

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']

export interface Violation {
  rule: string
  impact: string | null
  targets: string[]
}

/** axe-core's violations for WCAG 2.1 A/AA and best practices. Evaluated through the DevTools protocol, which the page's CSP does not govern. */
export async function axeViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE)
  // Page-side code as text: the test's TypeScript knows Node, not the DOM.
  return page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] })
    .then(({ violations }) => violations.map((v) => ({ rule: v.id, impact: v.impact, targets: v.nodes.map((node) => node.target.join(' ')) })))`)
}

/** The ids of the rows the page shows. */
export function visibleRows(page: Page): Promise<string[]> {
  return page.evaluate(
    `[...document.querySelectorAll('tbody tr')].filter((row) => row.offsetParent !== null).map((row) => row.id)`,
  )
}
