/** The renderer of each format of a list and of an entry, from the documents the model builds. */
import type { Format } from '../../domain/representation'
import type { SubprocessorEntryDocument, SubprocessorListDocument } from '../contract/schema'
import type { RegistryData } from '../input/schema'
import { type ListState, toEntryPage, toListPage } from './model'
import { renderCsv } from './csv'
import { renderEntryHtml, renderListHtml } from './html'

/** A JSON document as served: indented, with a final newline. */
export const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

// Records, so that a new format cannot be added without a renderer for each.

export const LIST_RENDERERS: Record<
  Format,
  (data: RegistryData, doc: SubprocessorListDocument, state: ListState) => string
> = {
  json: (_, doc) => jsonText(doc),
  csv: (data, doc) => renderCsv(data.locales[doc.language]!.labels, doc.subprocessors),
  html: (data, doc, state) => renderListHtml(toListPage(data, doc, state)),
}

export const ENTRY_RENDERERS: Record<Format, (data: RegistryData, doc: SubprocessorEntryDocument) => string> = {
  json: (_, doc) => jsonText(doc),
  csv: (data, doc) => renderCsv(data.locales[doc.language]!.labels, [doc]),
  html: (data, doc) => renderEntryHtml(toEntryPage(data, doc)),
}
