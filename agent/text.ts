// Text from the host (process names, command lines, file contents, SSIDs) is attacker-controlled: a
// process can name itself with ANSI escapes or newlines to forge lines in a terminal or a log. Everything
// a collector reports passes through `clean` so the inventory holds printable, bounded strings. No I/O
// here, so the pure engine can use it as well.

const MAX_DEFAULT = 1024;

// C0/C1 controls, DEL, Unicode line separators, and the bidi/invisible marks used to disguise names (U+202E...)
const HOSTILE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Escapes control and bidi characters and caps the length (an ellipsis marks a cut). */
export function clean(s: string, max = MAX_DEFAULT): string {
  // Escaping only lengthens, so the first `max` characters decide the result: a megabyte-long name costs
  // no more than a short one
  const head = s.length > max ? s.slice(0, max) : s;
  const out = head.replace(HOSTILE, escapeChar);
  return out.length > max || s.length > max ? out.slice(0, max - 1) + '…' : out;
}

/** Like `clean`, but an empty or absent value stays absent. */
export function cleanOpt(s: string | undefined, max = MAX_DEFAULT): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  return t ? clean(t, max) : undefined;
}

/**
 * Orders tool ids and spool file names by UTF-16 code unit: the same answer on every machine, with no
 * locale. String#localeCompare would load ICU's collation data (~3 MiB resident in a scan); for the
 * kebab-case tool ids the catalog allows, and the ASCII names the spool writes, the order is the same.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
