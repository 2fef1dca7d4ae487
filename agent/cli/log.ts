import { clean } from '../text.ts';

// The one sink for lines on stderr (and so in journald / a LaunchDaemon's log): file names, server
// answers and parser messages all came from outside, so control and bidi characters are escaped here
// whatever the caller did.

const MAX_LINE = 4000;

export function escapeLine(line: string): string {
  return clean(line.replace(/\r?\n+$/, ''), MAX_LINE);
}

export function stderrLine(line: string): void {
  process.stderr.write(`${escapeLine(line)}\n`);
}
