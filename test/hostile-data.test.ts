import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish, fixtureData } from './helpers'

const HOSTILE = {
  name: 'A&B <Group> "Ltd" \'x\'',
  formula: '=HYPERLINK("http://evil.example","click")',
  plus: '+1+2',
  minus: '-2+3',
  at: '@SUM(A1)',
  tab: '\t=1',
  script: '</td><script>alert(1)</script>',
}

beforeAll(async () => {
  const data = fixtureData()
  const [first, second, third] = data.subprocessors.subprocessors
  first!.name = HOSTILE.name
  first!.purpose.en = HOSTILE.script
  second!.name = HOSTILE.formula
  second!.purpose.en = HOSTILE.plus
  third!.name = HOSTILE.at
  third!.purpose.en = HOSTILE.minus
  third!.location = { countries: ['US'], text: { lv: HOSTILE.tab, en: HOSTILE.tab } }
  await publish(data)
})

describe('hostile data in the HTML page', () => {
  it('escapes every value', async () => {
    const html = await fetchWorker('/subprocessors.html?region=all&lang=en').then((res) => res.text())
    expect(html).not.toContain('<Group>')
    expect(html).not.toContain('<script>')
    expect(html).toContain('A&#38;B &#60;Group&#62; &#34;Ltd&#34; &#39;x&#39;')
    expect(html).toContain('&#60;/td&#62;&#60;script&#62;alert(1)&#60;/script&#62;')
    expect(html).toContain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;click&#34;)')
  })
})

describe('hostile data in the CSV', () => {
  it('neutralises every cell that could start a formula, and quotes the rest', async () => {
    const text = await fetchWorker('/subprocessors.csv?region=all&lang=en').then((res) => res.text())
    const rows = text.replace(/^\uFEFF/, '').split('\r\n')
    expect(rows[1]).toMatch(
      /^"linode-eu","A&B <Group> ""Ltd"" 'x'","","","Servers","","<\/td><script>alert\(1\)<\/script>",/,
    )
    expect(rows[2]).toMatch(
      /^"linode-uk","'=HYPERLINK\(""http:\/\/evil.example"",""click""\)","","","Servers","","'\+1\+2",/,
    )
    expect(rows[3]).toMatch(/^"linode-us","'@SUM\(A1\)","","","Servers","","'-2\+3","","'\t=1","US",/)
  })

  it('keeps JSON values exactly as written', async () => {
    const doc = await fetchWorker('/subprocessors.json?region=all&lang=en').then((res) =>
      res.json<{ subprocessors: { name: string; purpose: string }[] }>(),
    )
    expect(doc.subprocessors.slice(0, 3).map((entry) => [entry.name, entry.purpose])).toEqual([
      [HOSTILE.name, HOSTILE.script],
      [HOSTILE.formula, HOSTILE.plus],
      [HOSTILE.at, HOSTILE.minus],
    ])
  })
})
