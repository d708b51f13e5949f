/** Bearer tokens: a subscription's management token, and the operator's admin token. */
import type { Context } from 'hono'
import { timingSafeEqual } from 'hono/utils/buffer'
import { RegistryError } from '../domain/errors'
import type { Env } from './serve'

export const unauthorized = () =>
  new RegistryError('unauthorized', 'This route needs its bearer token in Authorization.')

export function bearerToken(c: Context<Env>): string {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(c.req.header('Authorization') ?? '')
  if (!match) throw unauthorized()
  return match[1]!
}

/** The operator's routes: compared in constant time; with no admin token configured, the route stays shut. */
export async function requireAdmin(c: Context<Env>): Promise<void> {
  const token = bearerToken(c)
  if (!c.env.ADMIN_TOKEN || !(await timingSafeEqual(c.env.ADMIN_TOKEN, token))) throw unauthorized()
}
