import type { ErrorDocument } from '../publish/schema'

/** The one error the API reports; `onError` turns it into the one error body. */
export class RegistryError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 406 | 503,
    readonly code: string,
    message: string,
    readonly details: { parameter?: string; allowed?: string[] } = {},
  ) {
    super(message)
  }
}

export function errorBody(error: RegistryError): ErrorDocument {
  return { error: { status: error.status, code: error.code, message: error.message, ...error.details } }
}

export const ALLOWED_METHODS = ['GET', 'HEAD', 'OPTIONS']
/** Answered with 405 on every route. Registered by method, so a GET matches exactly one handler. */
export const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE']

export function methodNotAllowed(): never {
  throw new RegistryError(405, 'method_not_allowed', 'This resource is read-only.', { allowed: ALLOWED_METHODS })
}

/** A release whose pointer moved but whose bytes are missing: storage, not the request, is at fault. */
export function incompleteRelease(): RegistryError {
  return new RegistryError(503, 'not_published', 'This version of the registry is incomplete in storage.')
}
