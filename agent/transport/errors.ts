import { oneLine } from '../config/errors.ts';

/** A delivery problem, one line, never carrying a token or key (messages pass through redact). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(oneLine(message));
    this.name = 'TransportError';
  }
}

/** Replaces every secret (and its base64 / URI forms) in text; used on anything a server or a library says. */
export function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s), Buffer.from(s).toString('base64')])) {
      out = out.split(form).join('[redacted]');
    }
  }
  return out;
}
