import { Hono } from 'hono'
import { cachingHeaders } from '../domain/caching'
import { incompleteRelease, methodNotAllowed, WRITE_METHODS } from '../domain/errors'
import { DOCUMENTS, type DocumentName } from '../domain/representation'
import { type Env, respond, withRelease } from './respond'

// A document has one format and no language: nothing in the request chooses it.
const DOCUMENT_CACHING = cachingHeaders({ format: 'json', lang: 'none' }, true)

/** The registry's contract: its JSON Schema, its OpenAPI description, and the discovery document. */
export const documents = new Hono<Env>()


for (const name of Object.keys(DOCUMENTS) as DocumentName[]) {
  documents
    .get(DOCUMENTS[name].url, (c) => withRelease(c, (release) => respond(c, release, { kind: 'document', name }, DOCUMENT_CACHING, incompleteRelease)))
    .on(WRITE_METHODS, DOCUMENTS[name].url, methodNotAllowed)
}
