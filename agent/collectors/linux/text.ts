// Text from the host (process names, command lines, file contents) is attacker-controlled: a process can
// name itself with ANSI escapes or newlines to forge lines in a terminal or a log. Everything a Linux
// collector reports passes through `clean` so the inventory holds printable, bounded strings.

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
  const out = s.replace(HOSTILE, escapeChar);
  return out.length > max ? out.slice(0, max - 1) + '…' : out;
}

/** Like `clean`, but an empty or absent value stays absent. */
export function cleanOpt(s: string | undefined, max = MAX_DEFAULT): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  return t ? clean(t, max) : undefined;
}

export function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Splits captured output into lines, tolerating CRLF and a missing final newline. */
export function lines(out: string): string[] {
  return out.split(/\r?\n/);
}

/**
 * Splits a command line the way .desktop Exec= and systemd ExecStart= quote it: double or single quotes
 * group, a backslash escapes the next character inside double quotes. No variable expansion.
 */
export function splitArgs(v: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (quote) {
      if (c === '\\' && quote === '"' && i + 1 < v.length) cur += v[++i];
      else if (c === quote) quote = '';
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === ' ' || c === '\t') {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (inArg) args.push(cur);
  return args;
}
