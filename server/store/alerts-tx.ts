import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.ts';
import type { AlertInput } from './types.ts';

/**
 * One alert per (rule, subject): a repeat updates it and counts; a closed alert that fires again opens
 * anew (ack, close and notification cleared, so it is notified again), an acknowledged one stays acknowledged.
 */
export async function upsertAlertTx(
  tx: Kysely<DB> | Transaction<DB>,
  a: AlertInput,
  at: string,
): Promise<{ id: number; created: boolean }> {
  const row = await tx
    .insertInto('alerts')
    .values({
      rule: a.rule,
      subject: a.subject,
      severity: a.severity,
      title: a.title,
      explanation: JSON.stringify(a.explanation),
      agent_ids: JSON.stringify(a.agentIds),
      status: 'open',
      first_seen: at,
      last_seen: at,
      occurrences: 1,
      ack_by: null,
      ack_at: null,
      closed_by: null,
      closed_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['rule', 'subject']).doUpdateSet({
        severity: a.severity,
        title: a.title,
        explanation: JSON.stringify(a.explanation),
        agent_ids: JSON.stringify(a.agentIds),
        last_seen: at,
        occurrences: sql<number>`alerts.occurrences + 1`,
        status: sql<string>`case when alerts.status = 'closed' then 'open' else alerts.status end`,
        ack_by: sql<string | null>`case when alerts.status = 'closed' then null else alerts.ack_by end`,
        ack_at: sql<string | null>`case when alerts.status = 'closed' then null else alerts.ack_at end`,
        closed_by: sql<string | null>`case when alerts.status = 'closed' then null else alerts.closed_by end`,
        closed_at: sql<string | null>`case when alerts.status = 'closed' then null else alerts.closed_at end`,
        notified_at: sql<string | null>`case when alerts.status = 'closed' then null else alerts.notified_at end`,
      }),
    )
    .returning(['id', 'occurrences'])
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), created: Number(row.occurrences) === 1 };
}
