import { Hono } from 'hono'
import { SHARED_CACHING } from '../domain/caching'
import { incompleteRelease, methodNotAllowed } from '../domain/errors'
import { DOCUMENTS, type DocumentName } from '../domain/representation'
import { currentRelease, type Env, respond } from './respond'

/** The registry's contract: its JSON Schema, its OpenAPI description, and the discovery document. */
export const documents = new Hono<Env>()


for (const name of Object.keys(DOCUMENTS) as DocumentName[]) {
  documents
    .get(DOCUMENTS[name].url, async (c) =>
      respond(c, await currentRelease(c), { kind: 'document', name }, { 'Cache-Control': SHARED_CACHING }, incompleteRelease),
    )
    .all(DOCUMENTS[name].url, methodNotAllowed)
}
