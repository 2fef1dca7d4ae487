// One JSON POST with a timeout, judged for retrying; the URL's path and query are secrets (Slack puts its
// token there) and only its origin ever appears in a message.
import { NotifyError } from './types.ts';
import type { Attempt } from './retry.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function checkUrl(raw: string, what: string, allowHttp = false): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new NotifyError(`${what}: url is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new NotifyError(`${what}: url must be https`);
  if (u.protocol === 'http:' && !allowHttp && !LOOPBACK.has(u.hostname)) {
    throw new NotifyError(`${what}: url must be https (plain http only to loopback, or with allowHttp)`);
  }
  if (u.username || u.password) throw new NotifyError(`${what}: url must not contain credentials`);
  return u;
}

/** The origin of a URL, safe to print. */
export const origin = (u: URL): string => u.origin;

/** Retry-After as milliseconds (delta-seconds or an HTTP-date); undefined when absent or unreadable. */
export function retryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

export async function postJson(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Attempt> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ratwatch-server', ...headers },
      body,
      redirect: 'manual', // a redirect would carry the alert somewhere nobody configured
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.name);
    return { ok: false, reason: `POST ${origin(url)} failed: ${why}`, retry: true };
  }
  await res.body?.cancel().catch(() => undefined); // only the status matters; don't read an unbounded body
  if (res.status >= 200 && res.status < 300) return { ok: true };
  const retry = res.status >= 500 || res.status === 429 || res.status === 408;
  return {
    ok: false,
    reason: `POST ${origin(url)} answered HTTP ${res.status}`,
    retry,
    retryAfterMs: retryAfter(res.headers.get('retry-after')),
  };
}
