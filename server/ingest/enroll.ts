import type { IncomingMessage } from 'node:http';
import { newSecret, sameToken } from '../api/passwords.ts';
import { HttpError, readJsonBody } from '../http/respond.ts';
import type { Store } from '../store/types.ts';
import { hashKey } from './receive.ts';

// osquery-style enrollment: the fleet-wide secret is shown once per agent, which gets a key of its own
// (only its hash is stored). Enrolling the same agent id again replaces its key and lifts a revocation,
// so a revoked agent can come back only with the enrollment secret.

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export async function enroll(req: IncomingMessage, store: Store, secret: string, now: Date): Promise<{ agentId: string; key: string }> {
  const b = (await readJsonBody(req, 16 * 1024)) as { enrollSecret?: unknown; agentId?: unknown; hostname?: unknown };
  if (typeof b.enrollSecret !== 'string' || !sameToken(b.enrollSecret, secret)) throw new HttpError(401, 'wrong enrollment secret');
  if (typeof b.agentId !== 'string' || !AGENT_ID.test(b.agentId)) throw new HttpError(400, 'agentId: 1-128 letters, digits, . _ : -');
  const hostname = typeof b.hostname === 'string' ? b.hostname.slice(0, 255) : '';
  const key = newSecret('rwa');
  const at = now.toISOString();
  await store.enrollAgent({ agentId: b.agentId, keyHash: hashKey(key), hostname, at });
  await store.recordEvent({ agentId: b.agentId, at, type: 'enrolled', detail: { hostname } });
  return { agentId: b.agentId, key };
}
