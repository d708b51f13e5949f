/**
 * `npm run customers -- add --name NAME --key VKEY [--webhook WH] | list | webhook ID WH | revoke ID [--persist-to DIR | --remote]`
 *
 * The customers (controllers) that may object to an announced change: each with the verifier key
 * it made with `subprocessor-watch keygen --note` and handed over at onboarding, as a DPA is. They
 * live in D1 and are never published. `--webhook` names the customer's own webhook subscription
 * (the `sub_…` id it got from POST /webhooks), to which the resolutions of its objections are pushed.
 * They Locally the stores `npm start` serves; `--remote` the account's.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { parseVerifierKey } from '../domain/signed-note'
import {
  type Customer,
  INSERT_CUSTOMER_SQL,
  LIST_CUSTOMERS_SQL,
  REVOKE_CUSTOMER_SQL,
  SET_CUSTOMER_WEBHOOK_SQL,
} from '../storage/objections'
import { openLocalStores } from './local-stores'

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    key: { type: 'string' },
    webhook: { type: 'string' },
    config: { type: 'string', default: 'wrangler.toml' },
    'persist-to': { type: 'string' },
    remote: { type: 'boolean', default: false },
  },
})

type Value = string | number | null
interface Database {
  run(sql: string, values: Value[]): Promise<number>
  all(sql: string): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

const literal = (value: Value) =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`

/** The account's D1 through `wrangler d1 execute`, which takes no parameters: values go in as literals. */
function remoteDatabase(): Database {
  const execute = async (sql: string) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join('node_modules', 'wrangler', 'bin', 'wrangler.js'),
        'd1',
        'execute',
        'DB',
        '--remote',
        '--json',
        '--command',
        sql,
        '--config',
        options.config,
      ],
      { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    )
    return JSON.parse(stdout) as { results: Record<string, unknown>[]; meta?: { changes?: number } }[]
  }
  const bind = (sql: string, values: Value[]) =>
    sql.replace(/\?(\d)/g, (_, n: string) => literal(values[Number(n) - 1]!))
  return {
    run: async (sql, values) => (await execute(bind(sql, values)))[0]?.meta?.changes ?? 0,
    all: async (sql) => (await execute(sql))[0]?.results ?? [],
    close: async () => {},
  }
}

async function localDatabase(): Promise<Database> {
  const stores = await openLocalStores(options.config, { kv: 'REGISTRY', d1: 'DB' }, options['persist-to'])
  await stores.applyMigrations()
  return {
    run: async (sql, values) =>
      (
        await stores.db
          .prepare(sql)
          .bind(...values)
          .run()
      ).meta.changes ?? 0,
    all: async (sql) => (await stores.db.prepare(sql).all<Record<string, unknown>>()).results,
    close: () => stores.dispose(),
  }
}

const [command, id, webhook] = positionals
const usage = 'usage: npm run customers -- add --name NAME --key VKEY [--webhook WH] | list | webhook ID WH | revoke ID'
const WEBHOOK_ID = /^sub_[A-Za-z0-9_-]{1,64}$/
if (!command || !['add', 'list', 'webhook', 'revoke'].includes(command)) {
  console.error(usage)
  process.exit(64)
}
const db = options.remote ? remoteDatabase() : await localDatabase()
try {
  if (command === 'add') {
    if (!options.name || !options.key) throw new Error(`add needs --name and --key\n${usage}`)
    const key = await parseVerifierKey(options.key).catch((error: Error) => {
      throw new Error(`--key is not a signed-note verifier key (Ed25519): ${error.message}`)
    })
    if (options.webhook !== undefined && !WEBHOOK_ID.test(options.webhook))
      throw new Error('--webhook is the id of a webhook subscription: sub_…')
    const customer = `cus_${randomBytes(9).toString('base64url')}`
    await db.run(INSERT_CUSTOMER_SQL, [customer, options.name, key.text, key.name, key.id, Date.now()])
    if (options.webhook) await db.run(SET_CUSTOMER_WEBHOOK_SQL, [customer, options.webhook])
    console.log(`Added ${options.name} as ${customer}: objections signed by ${key.text} are received from now on.`)
  } else if (command === 'webhook') {
    if (!id || !webhook || !WEBHOOK_ID.test(webhook))
      throw new Error(`webhook needs the customer's id and its subscription's id (sub_…)\n${usage}`)
    if ((await db.run(SET_CUSTOMER_WEBHOOK_SQL, [id, webhook])) === 0) throw new Error(`No customer has the id ${id}.`)
    console.log(`Resolutions of ${id}'s objections are pushed to ${webhook} from now on.`)
  } else if (command === 'list') {
    // The table's rows as D1 returns them: column names, not the Customer type's.
    const rows = (await db.all(LIST_CUSTOMERS_SQL)) as unknown as (Pick<Customer, 'id' | 'name' | 'key' | 'status'> & {
      webhook_id: string | null
    })[]
    if (rows.length === 0) console.log('No customer may object yet: add one with `npm run customers -- add`.')
    for (const row of rows)
      console.log(
        `${row.id}  ${row.status.padEnd(7)}  ${row.name}  ${row.key}${row.webhook_id ? `  → ${row.webhook_id}` : ''}`,
      )
  } else {
    if (!id) throw new Error(`revoke needs the customer's id\n${usage}`)
    const changed = await db.run(REVOKE_CUSTOMER_SQL, [id, Date.now()])
    if (changed === 0) throw new Error(`No active customer has the id ${id}.`)
    console.log(`Revoked ${id}: its objections are refused from now on; those received stay.`)
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 1
} finally {
  await db.close()
}
