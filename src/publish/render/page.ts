/**
 * The one page shell: every HTML page (a list, an entry, a change log, the version index) is this
 * document around its own head links, style and body. The escaping every page shares is here too.
 */
import { html, raw } from 'hono/html'
import type { Language } from '../input/schema'

/** Markup from `html`: every interpolated string is escaped, and only markup written here is not. */
export type Markup = ReturnType<typeof html>

const NAMED_REFERENCES: Record<string, string> = {
  '&amp;': '&#38;',
  '&lt;': '&#60;',
  '&gt;': '&#62;',
  '&quot;': '&#34;',
}

/**
 * Markup as the pages write it. Hono escapes with named references; the pages have always been
 * published with numeric ones (`&#38;`), which stand for the same characters.
 */
export function markupText(markup: Markup): string {
  if (markup instanceof Promise) throw new Error('a page renders synchronously')
  return markup.toString().replace(/&(?:amp|lt|gt|quot);/g, (reference) => NAMED_REFERENCES[reference]!)
}

/** A text as the pages write it, escaped. */
export function escapeHtml(text: string): string {
  return markupText(html`${text}`)
}

/** Parts one per line. */
export const lines = (parts: Markup[]) => parts.flatMap((part, i) => (i ? [html`\n`, part] : [part]))

/**
 * A whole page. `style` is written here, never taken from data: with the list page's script, the
 * only text a page carries unescaped, byte for byte as its hash goes into the CSP.
 */
export function pageShell(page: { lang: Language; title: string; head: unknown; style: string; body: Markup }): string {
  return markupText(html`<!doctype html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
${page.head}
<style>${raw(page.style)}</style>
</head>
<body>
${page.body}</body>
</html>
`)
}
