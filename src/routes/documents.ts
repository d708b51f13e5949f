import { Hono } from 'hono'
import { UNNEGOTIATED_CACHING } from '../domain/caching'
import { incompleteRelease, methodNotAllowed, WRITE_METHODS } from '../domain/errors'
import { DOCUMENTS, type DocumentName } from '../domain/representation'
import { type Env, respond, withRelease } from './respond'

/** The registry's contract: its JSON Schema, its OpenAPI description, and the discovery document. */
export const documents = new Hono<Env>()


for (const name of Object.keys(DOCUMENTS) as DocumentName[]) {
  documents
    .get(DOCUMENTS[name].url, (c) => withRelease(c, (release) => respond(c, release, { kind: 'document', name }, UNNEGOTIATED_CACHING, incompleteRelease)))
    .on(WRITE_METHODS, DOCUMENTS[name].url, methodNotAllowed)
}
