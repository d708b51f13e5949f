/**
 * The `subprocessor-watch` executable: the command line of `cli/main.ts`, with the real world.
 * Whatever escapes (an error thrown outside any command) is a fault of the client: exit 70.
 */
import { main, nodeIo } from './cli/main.js'

process.on('uncaughtException', (error) => {
  process.stderr.write(`subprocessor-watch failed: ${error.message}\n`)
  process.exit(70)
})
process.exitCode = await main(process.argv.slice(2), nodeIo())
