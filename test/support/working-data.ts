import { join, resolve } from 'node:path'

/**
 * The working data: data/, or the copy REGISTRY_DATA names. Only the tests that show data/ as it
 * is served (the docs' commands, the page in Chromium) read it; every other test reads the
 * fixture dataset. test/system/following-the-docs.test.ts runs those on a copy of data/ edited
 * as the docs say, and test/unit/working-data.test.ts holds every other test to the fixture.
 */
export const WORKING_DATA = process.env.REGISTRY_DATA
  ? resolve(process.env.REGISTRY_DATA)
  : join(import.meta.dirname, '..', '..', 'data')

/** Whether the tests run on a copy: then nothing they write may stand for data/ (the docs' screenshots). */
export const ON_A_COPY = process.env.REGISTRY_DATA !== undefined

/** The tests that read the working data, run again on an edited copy by following-the-docs.test.ts. */
export const TESTS_ON_WORKING_DATA = ['test/e2e/page.test.ts', 'test/system/doc-commands.test.ts']
