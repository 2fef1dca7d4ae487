// Who may move an alert between its states, which moves exist, and what the audit log says: one
// definition for the JSON API (POST /api/alerts/:id) and the console's alert forms. See README.md here.
import { clean } from '../../agent/text.ts';
import type { ActionResult } from '../api/admin-actions.ts';
import type { Store } from '../store/types.ts';
import { ALERT_STATUSES, type AlertStatus, type Role } from '../vocabulary.ts';

/**
 * The moves people make. A closed alert comes back only as open (to be triaged again), never straight to
 * acknowledged; an acknowledged one may go back to open (handed back to the queue). The rules themselves
 * reopen a closed alert when it fires again (store/alerts-tx.ts), whoever closed it.
 */
export const ALERT_TRANSITIONS: Readonly<Record<AlertStatus, readonly AlertStatus[]>> = {
  open: ['acknowledged', 'closed'],
  acknowledged: ['open', 'closed'],
  closed: ['open'],
};

/** Only admins move alerts; viewers (and their API tokens) read them. */
export const ALERT_STATUS_ROLE: Role = 'admin';

/** The audit log's action per target state (alert.acknowledged and alert.closed as before; a reopen is alert.reopened). */
export const ALERT_AUDIT_ACTIONS: Readonly<Record<AlertStatus, string>> = {
  open: 'alert.reopened',
  acknowledged: 'alert.acknowledged',
  closed: 'alert.closed',
};

export const NOTE_MAX = 500;

const DONE: Readonly<Record<AlertStatus, string>> = {
  open: 'Alert reopened.',
  acknowledged: 'Alert acknowledged.',
  closed: 'Alert closed.',
};

export function canMoveAlert(from: AlertStatus, to: AlertStatus): boolean {
  return ALERT_TRANSITIONS[from].includes(to);
}

function refusal(from: AlertStatus, to: AlertStatus): string {
  if (from === to) return `The alert is already ${from}.`;
  if (from === 'closed') return `A closed alert cannot be ${to}; reopen it first.`;
  return `An ${from} alert cannot become ${to}.`;
}

const refuse = (status: 400 | 403 | 404 | 409, error: string): ActionResult => ({ ok: false, error, status });

/**
 * Moves alert `id` to `to` as `by` (whose role must be admin), with an optional note for the audit log.
 * The move is a compare-and-set on the state read: two people acting at once cannot both succeed from
 * the same state, and the loser is told what the alert is now.
 */
export async function moveAlert(
  store: Store,
  o: { id: string | number; to: string; by: { name: string; role: Role }; at: string; note?: string | undefined },
): Promise<ActionResult> {
  if (o.by.role !== ALERT_STATUS_ROLE) return refuse(403, 'Only an admin changes an alert.');
  if (!ALERT_STATUSES.includes(o.to as AlertStatus)) return refuse(400, `The state is one of ${ALERT_STATUSES.join(', ')}.`);
  const to = o.to as AlertStatus;
  const id = typeof o.id === 'number' ? o.id : /^\d{1,15}$/.test(o.id) ? Number(o.id) : Number.NaN;
  const note = o.note?.trim() ? clean(o.note.trim(), NOTE_MAX) : undefined;
  const now = Number.isSafeInteger(id) ? await store.alertState(id) : undefined;
  if (!now) return refuse(404, 'No such alert.');
  const from = now.status as AlertStatus;
  if (!canMoveAlert(from, to)) return refuse(409, refusal(from, to));
  if (!(await store.setAlertStatus(id, to, o.by.name, o.at, from))) {
    const later = (await store.alertState(id))?.status ?? 'gone';
    return refuse(409, `The alert changed meanwhile: it is now ${later}.`);
  }
  await store.audit({
    at: o.at,
    actor: o.by.name,
    action: ALERT_AUDIT_ACTIONS[to],
    target: `alert:${id}`,
    detail: { from, to, rule: now.rule, subject: now.subject, ...(note ? { note } : {}) },
  });
  return { ok: true, message: DONE[to] };
}
