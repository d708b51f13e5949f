// The built subprocessor-watch CLI, reporting its peak memory as it exits: bench/watch.ts runs it.
process.on('exit', () => process.stderr.write(`\nmaxRSS ${process.resourceUsage().maxRSS}\n`))
await import('../client/dist/cli.js')
