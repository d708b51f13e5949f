/**
 * The registry's fetch handler, called in a loop inside one isolate, beside a constant Response
 * of the same bytes: what the Worker itself does per request, without the HTTP that every
 * request also costs. Any other request reaches the registry as usual.
 */
import registry from '../src/index'

let floorBody: Blob | undefined
let floorHeaders: Record<string, string> = {}

export default {
  async fetch(request: Request, env: Cloudflare.Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname !== '/__dispatch') return registry.fetch(request, env, ctx)
    const calls = Number(url.searchParams.get('calls'))
    const target = new URL(url.searchParams.get('path')!, url).href
    const init = { headers: JSON.parse(url.searchParams.get('headers')!) as Record<string, string> }
    if (!floorBody) {
      const first = await registry.fetch(new Request(new URL(url.searchParams.get('floor')!, url)), env, ctx)
      floorHeaders = Object.fromEntries(first.headers)
      floorBody = new Blob([await first.arrayBuffer()])
    }
    const floor = url.searchParams.get('variant') === 'floor'
    let statuses = 0
    for (let call = 0; call < calls; call++) {
      // Both build the Request, as workerd does for every request that reaches a Worker.
      const each = new Request(target, init)
      let response = floor ? new Response(floorBody, { headers: floorHeaders }) : registry.fetch(each, env, ctx)
      if (response instanceof Promise) response = await response
      statuses += response.status
    }
    return new Response(String(statuses))
  },
}
