/** `npm run validate [-- --data DIR]`: checks data/ and reports every problem with its place. */
import { parseArgs } from 'node:util'
import { loadDataOrExit } from './load-data'

const { values } = parseArgs({ options: { data: { type: 'string', default: 'data' } } })
const data = await loadDataOrExit(values.data)
console.log(
  `${values.data} is valid: ${data.subprocessors.subprocessors.length} sub-processors, ${data.regions.regions.length} regions.`,
)
