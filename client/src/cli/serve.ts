/** What the commands that listen (`receive`, `witness`) share: 127.0.0.1, and serving until stopped. */
import type { Server } from 'node:http'
import type { Context } from './context.js'

/** Listens on 127.0.0.1:port, says so (`describe` gets the base URL), and resolves once the server is closed or the run is stopped. */
export async function serveUntilStopped(
  ctx: Context,
  server: Server,
  port: number,
  describe: (url: string) => string[],
  path = '',
): Promise<void> {
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening))
  const url = `http://127.0.0.1:${port}`
  for (const line of describe(url)) ctx.line(line)
  ctx.io.onListening?.(`${url}${path}`)
  await new Promise<void>((closed) => {
    server.on('close', closed)
    ctx.io.signal?.addEventListener('abort', () => {
      server.close()
      server.closeAllConnections()
    })
  })
}
