// Every reporting error ends up as one log line on a laptop nobody watches, so messages stay single-line
// and say which setting or file is at fault.

export class ConfigError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'ConfigError';
  }
}

export function oneLine(e: unknown, max = 300): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
