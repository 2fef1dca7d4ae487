import { clean } from './text.ts';
import { oneLine } from './vocabulary.ts';

// The one sink for lines on stderr (and so in journald / a LaunchDaemon's log): file names, server
// answers, parser messages and a scan child's stderr all came from outside, so control and bidi
// characters are escaped here whatever the caller did. Below the CLI so the daemon and the delivery
// code log through it too.

const MAX_LINE = 4000;

export function escapeLine(line: string): string {
  return clean(line.replace(/\r?\n+$/, ''), MAX_LINE);
}

export function stderrLine(line: string): void {
  process.stderr.write(`${escapeLine(line)}\n`);
}

/** An error (or any text) as the one line a log shows: its first non-empty line, escaped, up to a log line's length. */
export function errorLine(e: unknown): string {
  return oneLine(e, MAX_LINE);
}
