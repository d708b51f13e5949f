/**
 * Go's own implementations of the log's formats (golang.org/x/mod/sumdb), from Debian's golang-go
 * and golang-golang-x-mod-dev, which .ci/run installs: tools nobody here wrote, run on a test's files.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

export const GO_TOOLS = existsSync('/usr/bin/go') && existsSync('/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog')

/** `go run` of one file, in GOPATH mode against Debian's packages, with its caches under `work`. */
export function goRun(work: string, script: string, args: string[]) {
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: `${join(work, 'gopath')}:/usr/share/gocode`,
    GOCACHE: join(work, 'gocache'),
    GOFLAGS: '',
  }
  return promisify(execFile)('go', ['run', script, ...args], { env })
}
