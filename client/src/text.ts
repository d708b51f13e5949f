/**
 * Text from registries, made safe for a terminal: a name can hold ESC (colours, OSC 52 that
 * writes the clipboard, a title), a bidi override that reverses what follows, or a zero-width
 * character that hides. Each is shown as its code point instead. Machine output (`--json`)
 * keeps the data as it came; JSON escapes the controls itself.
 */

// C0 and C1 controls but newline and tab, DEL, the bidi embeddings, overrides, isolates and marks, and invisible joiners.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g

/** The text with every unsafe character shown as `<U+XXXX>`. */
export const forTerminal = (text: string): string =>
  text.replace(UNSAFE, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`)

/** The same for one line: newlines and tabs too, so that a value cannot start a line of its own. */
export const forTerminalLine = (text: string): string =>
  forTerminal(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '<U+000A>' : '<U+0009>'))
