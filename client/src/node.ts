/** The default state store on Node: one JSON file, replaced atomically (a temporary file, fsync, rename). */
import { open, readFile, rename } from 'node:fs/promises'
import { emptyState, STATE_FORMAT, type StateStore, type WatchState } from './state.js'

export class JsonFileStore implements StateStore {
  constructor(readonly path: string) {}

  async load(): Promise<WatchState> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
      throw error
    }
    const state = JSON.parse(text) as WatchState
    if (state.format !== STATE_FORMAT)
      throw new Error(`${this.path} is not a subprocessor-watch state file (${STATE_FORMAT})`)
    return state
  }

  async save(state: WatchState): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`
    const file = await open(temporary, 'w', 0o600)
    try {
      await file.writeFile(`${JSON.stringify(state, null, 2)}\n`)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, this.path)
  }
}

export * from './index.js'
