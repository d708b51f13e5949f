/** The change log as feeds: Atom 1.0 (RFC 4287) and JSON Feed 1.1, one entry per change. */
import { html } from 'hono/html'
import { changeStatus } from '../../domain/change'
import { MEDIA_TYPES, REGISTRY_FORMAT, type View, viewUrl } from '../../domain/representation'
import type { LogParts } from '../../storage/log'
import { absoluteUrl, changeDocument, changeTag, textIn } from './model'
import {
  around,
  anchor,
  feedTag,
  filled,
  ITEMS,
  ITEMS_IN_JSON,
  indent,
  itemsOf,
  type LogRender,
  nameOf,
  plainText,
  text,
  updatedAt,
} from './change-log'

const feedTitle = ({ ctx, labels, regionLabel }: LogRender) =>
  filled(labels.feedTitle, { service: ctx.data.registry.company.service, region: regionLabel })

export function jsonFeedLog(log: LogRender): LogParts {
  const { ctx, region, lang, labels } = log
  const { data, at } = ctx
  const url = (view: View) => absoluteUrl(ctx.stamp, viewUrl(view))
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feedTitle(log),
    home_page_url: url({ kind: 'changes', region, lang, format: 'html' }),
    feed_url: url({ kind: 'changes', region, lang, format: 'jsonfeed' }),
    description: textIn(data.registry.notice.note, lang),
    language: lang,
    authors: [{ name: data.registry.company.name }],
    _subprocessor_registry: { format: REGISTRY_FORMAT },
    items: ITEMS,
  }
  const { head, tail } = around(JSON.stringify(feed, null, 2), ITEMS_IN_JSON)
  return {
    head: text(`${head}[\n`),
    items: itemsOf(
      log,
      (change) => {
        const item = {
          id: changeTag(data, change.id),
          url: url({ kind: 'entry', id: change.entry, lang, format: 'html' }),
          title: `${labels.changeTypes[change.type]}: ${nameOf(data, change, lang)}`,
          content_text: plainText(ctx, change, lang),
          date_published: change.announcedAt,
          date_modified: new Date(updatedAt(change, at)).toISOString(),
          tags: [change.type, changeStatus(change, at)],
          _subprocessor_change: changeDocument(data, change, lang, at),
        }
        return indent(JSON.stringify(item, null, 2), '    ')
      },
      'jsonfeed',
    ),
    separator: text(',\n'),
    tail: text(`\n  ]${tail}\n`),
  }
}

export function atomLog(log: LogRender): LogParts {
  const { ctx, region, lang, labels: l } = log
  const { data, at } = ctx
  const url = (view: View) => absoluteUrl(ctx.stamp, viewUrl(view))
  const head = html`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">
<id>${feedTag(data, region, lang)}</id>
<title>${feedTitle(log)}</title>
<subtitle>${textIn(data.registry.notice.note, lang)}</subtitle>
<updated>${log.updated}</updated>
<author><name>${data.registry.company.name}</name><email>${data.registry.notice.objectionsTo}</email></author>
<link rel="self" type="${MEDIA_TYPES.atom}" href="${url({ kind: 'changes', region, lang, format: 'atom' })}"/>
<link rel="alternate" type="text/html" href="${url({ kind: 'changes', region, lang, format: 'html' })}"/>
<link rel="related" type="text/html" href="${url({ kind: 'list', region, lang, format: 'html' })}"/>
`
  return {
    head: text(String(head)),
    items: itemsOf(log, (change) =>
      String(html`<entry>
<id>${changeTag(data, change.id)}</id>
<title>${l.changeTypes[change.type]}: ${nameOf(data, change, lang)}</title>
<published>${change.announcedAt}</published>
<updated>${new Date(updatedAt(change, at)).toISOString()}</updated>
<link rel="alternate" type="text/html" href="${url({ kind: 'entry', id: change.entry, lang, format: 'html' })}"/>
<link rel="related" type="text/html" href="${url({ kind: 'changes', region, lang, format: 'html' })}#${anchor(change.id)}"/>
<category term="${change.type}" label="${l.changeTypes[change.type]}"/>
<category term="${changeStatus(change, at)}" label="${l.changeStatuses[changeStatus(change, at)]}"/>
<content type="text">${plainText(ctx, change, lang)}</content>
</entry>`),
    ),
    separator: text('\n'),
    tail: text(`${log.shown.length ? '\n' : ''}</feed>\n`),
  }
}
