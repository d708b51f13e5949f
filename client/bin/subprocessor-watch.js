#!/usr/bin/env node
// The command, as npm links it: the compiled CLI (npm run build, or the repository's npm ci).
await import('../dist/cli.js')
