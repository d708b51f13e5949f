import { describe, expect, it } from 'vitest'
import { csvCell } from '../../src/publish/render/csv'

// OWASP's CSV injection guidance: a cell a spreadsheet would read as a formula gets a leading apostrophe.
describe('csvCell', () => {
  it.each<[string, string, string]>([
    ['a formula', '=1+2', `"'=1+2"`],
    ['a plus', '+1', `"'+1"`],
    ['a minus', '-1', `"'-1"`],
    ['an at sign', '@SUM(A1)', `"'@SUM(A1)"`],
    ['a leading tab', '\tx', `"'\tx"`],
    ['a leading carriage return', '\rx', `"'\rx"`],
    ['a full-width equals sign', '\uFF1D1+1', `"'\uFF1D1+1"`],
    ['a line feed, then a formula', '\n=1+2', `"'\n=1+2"`],
    ['spaces, then a formula', '   =1+2', `"'   =1+2"`],
    ['a no-break space, then a formula', '\u00A0=1+2', `"'\u00A0=1+2"`],
    ['a space, then an at sign', ' @x', `"' @x"`],
    ['a line feed, then a minus', '\n-1', `"'\n-1"`],
  ])('defuses %s', (_, value, cell) => {
    expect(csvCell(value)).toBe(cell)
  })

  it.each<[string, string, string]>([
    ['plain text', 'Linode, LLC', '"Linode, LLC"'],
    ['quotes', 'say "hi"', '"say ""hi"""'],
    ['a formula sign after text', 'a=b', '"a=b"'],
    ['leading spaces before text', '  Amazon', '"  Amazon"'],
    ['the empty cell', '', '""'],
  ])('leaves %s as it is, quoted', (_, value, cell) => {
    expect(csvCell(value)).toBe(cell)
  })
})
