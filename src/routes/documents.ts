import { Hono } from 'hono'
import { UNNEGOTIATED_CACHING } from '../domain/caching'
import { DOCUMENTS, type DocumentName } from '../domain/representation'
import { type Env, serveView, withRelease } from './serve'

/** The registry's contract: its JSON Schema, its OpenAPI description, and the discovery document. */
export const documents = new Hono<Env>()

for (const name of Object.keys(DOCUMENTS) as DocumentName[]) {
  documents.get(DOCUMENTS[name].url, (c) =>
    withRelease(c, (release) =>
      serveView(c, { release, view: { kind: 'document', name }, caching: UNNEGOTIATED_CACHING }),
    ),
  )
}
