/** `export --format csv|json`: the portfolio, one row per vendor × sub-processor: the auditor's working paper. */
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import type { RegistryState } from '../state.js'

const CSV_COLUMNS = [
  'vendor',
  'registry',
  'version',
  'published',
  'evidence',
  'last_check',
  'subprocessor_id',
  'name',
  'purpose',
  'location',
  'regions',
] as const

/** One field as RFC 4180 wants it, and never a formula when a spreadsheet opens it. */
export const csvField = (value: string) => {
  // Full-width signs and leading spaces start formulas too (OWASP CSV injection).
  const safe = /^(?:[\t\r]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export async function exportPortfolio(ctx: Context): Promise<number> {
  const { format } = ctx.options
  if (format !== 'csv' && format !== 'json') throw new UsageError('export needs --format csv or --format json')
  const state = await ctx.store().load()
  const rows = Object.values(state.registries).flatMap((registry: RegistryState) => {
    const lastCheck = state.checks[registry.url]
    return registry.entries.map((entry) => ({
      vendor: registry.vendor,
      registry: registry.url,
      version: registry.version,
      published: registry.publishedAt,
      // A failed check keeps the last good state, but the working paper must show the failure.
      evidence: lastCheck?.outcome === 'evidence' ? 'failed' : registry.evidence,
      last_check: lastCheck ? `${lastCheck.outcome} ${lastCheck.at}` : '',
      subprocessor_id: entry.id,
      name: entry.name ?? '',
      purpose: entry.purpose ?? '',
      location: entry.location ?? '',
      regions: entry.regions.join(' '),
    }))
  })
  if (format === 'json') ctx.json({ registries: Object.keys(state.registries).length, rows })
  else {
    const lines = [
      CSV_COLUMNS.join(','),
      ...rows.map((row) => CSV_COLUMNS.map((c) => csvField(String(row[c]))).join(',')),
    ]
    ctx.io.stdout(`\ufeff${lines.join('\r\n')}\r\n`)
  }
  return 0
}
