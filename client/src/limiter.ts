/** Runs tasks with at most `total` at once, and at most `perHost` at once against any one host. */
export function limiter(total: number, perHost: number) {
  let running = 0
  const byHost = new Map<string, number>()
  const waiting: { host: string; start: () => void }[] = []
  const next = () => {
    for (let i = 0; i < waiting.length && running < total; i++) {
      const task = waiting[i]!
      if ((byHost.get(task.host) ?? 0) >= perHost) continue
      waiting.splice(i--, 1)
      task.start()
    }
  }
  return async function run<T>(host: string, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      waiting.push({
        host,
        start: () => {
          running++
          byHost.set(host, (byHost.get(host) ?? 0) + 1)
          start()
        },
      })
      next()
    })
    try {
      return await task()
    } finally {
      running--
      byHost.set(host, byHost.get(host)! - 1)
      next()
    }
  }
}
