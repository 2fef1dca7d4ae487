import { sql, type Kysely } from 'kysely';

// Open findings per host by severity and category (hosts.open_counts), so the overview sums host rows.
// Exact, not a cache: ingest-tx.ts recomputes a host's counts from its findings in the same transaction
// that changes them. Any other code that writes findings must do the same, or call recountOpenFindings.

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the database as it was, not as types.ts describes it now (Kysely's advice)
type AnyDb = Kysely<any>;

/** Rebuilds hosts.open_findings and hosts.open_counts from the findings table (after a bulk load or a migration);
 * run it inside a transaction (one commit, and no ingest in between). */
export async function recountOpenFindings(db: AnyDb): Promise<void> {
  const rows: Array<{ agent_id: string; severity: string; category: string; n: number | string }> = await db
    .selectFrom('findings')
    .select(['agent_id', 'severity', 'category', sql<number>`count(*)`.as('n')])
    .where('resolved_at', 'is', null)
    .groupBy(['agent_id', 'severity', 'category'])
    .execute();
  const per = new Map<string, Array<{ severity: string; category: string; n: number }>>();
  for (const r of rows) {
    const list = per.get(r.agent_id) ?? [];
    list.push({ severity: r.severity, category: r.category, n: Number(r.n) });
    per.set(r.agent_id, list);
  }
  await db.updateTable('hosts').set({ open_findings: 0, open_counts: '{}' }).execute();
  for (const [agentId, groups] of per) {
    const c = openCounts(groups);
    await db
      .updateTable('hosts')
      .set({ open_findings: c.total, open_counts: JSON.stringify(c.counts) })
      .where('agent_id', '=', agentId)
      .execute();
  }
}

export interface OpenCounts {
  severity: Record<string, number>;
  category: Record<string, number>;
}

export function openCounts(groups: Array<{ severity: string; category: string; n: number }>): { total: number; counts: OpenCounts } {
  const counts: OpenCounts = { severity: {}, category: {} };
  let total = 0;
  for (const g of groups) {
    counts.severity[g.severity] = (counts.severity[g.severity] ?? 0) + g.n;
    counts.category[g.category] = (counts.category[g.category] ?? 0) + g.n;
    total += g.n;
  }
  return { total, counts };
}
