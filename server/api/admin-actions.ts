// Admin actions the JSON API and the console both offer, defined once: the same checks, the same writes,
// the same audit entries. Each answers a one-line outcome; the API turns a refusal into its HTTP status,
// the console shows it on the page.
import { hashKey } from '../ingest/receive.ts';
import type { Store } from '../store/types.ts';
import { ROLES, type Role } from '../vocabulary.ts';
import { hashPassword, newSecret } from './passwords.ts';

export type ActionResult = { ok: true; message: string } | { ok: false; error: string; status: 400 | 403 | 404 | 409 };

export const USERNAME_MAX = 64;
export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 1024;
const USERNAME = new RegExp(`^[A-Za-z0-9._@-]{1,${USERNAME_MAX}}$`);

const refuse = (status: 400 | 404 | 409, error: string): ActionResult => ({ ok: false, error, status });

export function checkUsername(name: string): string | undefined {
  return USERNAME.test(name) ? undefined : `A user name is 1 to ${USERNAME_MAX} letters, digits, dots, dashes, underscores or @.`;
}

export function checkPassword(password: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `A password has at least ${MIN_PASSWORD} characters.`;
  if (password.length > MAX_PASSWORD) return `A password has at most ${MAX_PASSWORD} characters.`;
  return undefined;
}

export async function createUser(
  store: Store,
  u: { name: string; role: string; password: string },
  by: string,
  at: string,
): Promise<ActionResult> {
  const bad =
    checkUsername(u.name) ??
    (ROLES.includes(u.role as Role) ? undefined : `The role is one of ${ROLES.join(', ')}.`) ??
    checkPassword(u.password);
  if (bad) return refuse(400, bad);
  if (await store.userByName(u.name)) return refuse(409, 'A user of that name exists.');
  await store.createUser({ name: u.name, role: u.role as Role, passwordHash: await hashPassword(u.password), at });
  await store.audit({ at, actor: by, action: 'user.create', target: `user:${u.name}`, detail: { role: u.role } });
  return { ok: true, message: `User ${u.name} added.` };
}

export async function revokeAgentKey(store: Store, agentId: string, by: string, at: string): Promise<ActionResult> {
  if (!(await store.revokeAgent(agentId, at))) return refuse(404, 'No such agent, or its key is already revoked.');
  await store.recordEvent({ agentId, at, type: 'key-revoked', detail: { by } });
  await store.audit({ at, actor: by, action: 'agent.revoke', target: `agent:${agentId}`, detail: {} });
  return { ok: true, message: 'Agent key revoked: its reports are refused until it enrolls again.' };
}

/** A new API token for `user` (shown once, only its hash stored). `audit` false: a viewer's own token, as before. */
export async function issueApiToken(
  store: Store,
  user: { id: number; name: string },
  name: string,
  by: string,
  at: string,
  audit = true,
): Promise<{ token: string; name: string }> {
  const token = newSecret('rwt');
  await store.createApiToken({ userId: user.id, name, tokenHash: hashKey(token), at });
  if (audit) await store.audit({ at, actor: by, action: 'token.create', target: `user:${user.name}`, detail: { name } });
  return { token, name };
}
