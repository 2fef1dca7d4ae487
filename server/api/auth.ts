import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/respond.ts';
import { hashKey } from '../ingest/receive.ts';
import type { Store, UserRow } from '../store/types.ts';
import { verifyPassword } from './passwords.ts';

// People authenticate with an API token (Authorization: Bearer rwt_...) or, for scripts and the first
// login, HTTP Basic with name and password. Roles: viewer reads, admin also changes things.

const FAILED_BACKOFF_MS = 250;

export async function authenticatePerson(req: IncomingMessage, store: Store): Promise<UserRow> {
  const h = req.headers.authorization ?? '';
  const bearerToken = /^Bearer (rwt_[A-Za-z0-9_-]{16,128})$/.exec(h)?.[1];
  if (bearerToken) {
    const u = await store.userByTokenHash(hashKey(bearerToken));
    if (u) return u;
  }
  const basic = /^Basic ([A-Za-z0-9+/=]{4,1024})$/.exec(h)?.[1];
  if (basic) {
    const text = Buffer.from(basic, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) {
      const u = await store.userByName(text.slice(0, i));
      if (u && (await verifyPassword(text.slice(i + 1), u.passwordHash))) return u;
    }
  }
  await new Promise((r) => setTimeout(r, FAILED_BACKOFF_MS)); // slows guessing
  throw new HttpError(401, 'authentication required (API token or name and password)');
}

export function requireAdmin(u: UserRow): void {
  if (u.role !== 'admin') throw new HttpError(403, 'admin role required');
}
