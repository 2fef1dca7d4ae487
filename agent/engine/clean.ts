// Inventory strings come from the laptop being inspected, so a hostile process can name itself with
// terminal escapes, newlines or megabytes of text. Everything a finding carries is made printable
// and bounded here, once, before it reaches a terminal, a log line or a report.
const MAX = 512;

export function clean(s: string, max = MAX): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
    if (out.length >= max) return `${out.slice(0, max)}…`;
  }
  return out;
}
