import { clean } from '../text.ts';

// Every reporting error ends up as one log line on a laptop nobody watches, so messages stay single-line
// and say which setting or file is at fault.

export class ConfigError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'ConfigError';
  }
}

/** One printable line: messages quote file names and parser excerpts, so control bytes are escaped here. */
export function oneLine(e: unknown, max = 300): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = clean(msg.replace(/\s*[\r\n]+\s*/g, ' ').trim(), Number.isFinite(max) ? max : Number.MAX_SAFE_INTEGER);
  return line;
}
