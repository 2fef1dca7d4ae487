import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { SEVERITIES } from '../../agent/policy/types.ts';
import type { OpenCounts } from './open-counts.ts';
import { hostRow, parseJson } from './rows.ts';
import type { DB } from './schema.ts';
import type { ConsoleHostFilter, ConsoleHostRow, ConsoleHostSort, ToolSummaryRow } from './types.ts';

// The console's reads that the JSON API does not need: the host list with every filter, sort and a total,
// severity summaries and the tools view. Each is a bounded number of indexed queries, never one per host.

/** `col` contains `q` literally and in any case, alike on both databases (% _ \\ escaped; the API's search too). */
export const contains = (col: string, q: string) =>
  sql<SqlBool>`lower(${sql.ref(col)}) like ${`%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;

/** A finding's severity as a number (info 0 ... critical 4), so SQL can take a maximum and compare. */
export const severityRank = (col: string) =>
  sql<number>`(case ${sql.ref(col)} ${sql.join(
    SEVERITIES.map((s, i) => sql`when ${s} then ${sql.lit(i)}`),
    sql` `,
  )} else -1 end)`;

/** The most severe open finding of the host row in scope, or null. */
const maxSeverityOf = sql<
  number | null
>`(select max(${severityRank('f.severity')}) from findings f where f.agent_id = hosts.agent_id and f.resolved_at is null)`;

function hostWhere(f: ConsoleHostFilter) {
  return (eb: ExpressionBuilder<DB, 'hosts'>) => {
    const and: Expression<SqlBool>[] = [];
    if (f.q) and.push(eb.or([contains('hostname', f.q), eb('agent_id', '=', f.q), contains('user_name', f.q)]));
    if (f.status) and.push(eb('status', '=', f.status));
    if (f.os) and.push(eb('os', '=', f.os));
    if (f.user) and.push(eb('user_name', '=', f.user));
    if (f.lastSeenAfter) and.push(eb('last_seen', '>=', f.lastSeenAfter));
    if (f.lastSeenBefore) and.push(eb('last_seen', '<', f.lastSeenBefore));
    // Driven from the findings' indexes (tool; open by severity): one small set, not a lookup per host.
    if (f.toolId) {
      and.push(
        eb(
          'agent_id',
          'in',
          eb
            .selectFrom('findings')
            .select('findings.agent_id')
            .where('findings.tool_id', '=', f.toolId)
            .where('findings.resolved_at', 'is', null),
        ),
      );
    }
    if (f.minSeverity) {
      const sevs = SEVERITIES.slice(Math.max(0, SEVERITIES.indexOf(f.minSeverity as never)));
      and.push(
        eb(
          'agent_id',
          'in',
          eb
            .selectFrom('findings')
            .select('findings.agent_id')
            .where('findings.resolved_at', 'is', null)
            .where('findings.severity', 'in', sevs),
        ),
      );
    }
    return eb.and(and);
  };
}

const SORT_COLUMN = {
  hostname: 'hostname',
  user: 'user_name',
  os: 'os',
  status: 'status',
  findings: 'open_findings',
  lastSeen: 'last_seen',
} as const;

export async function consoleHosts(
  db: Kysely<DB>,
  f: ConsoleHostFilter,
  sort: ConsoleHostSort,
  page: { offset: number; limit: number; count?: boolean },
): Promise<{ total: number; rows: ConsoleHostRow[] }> {
  const where = hostWhere(f);
  const total =
    page.count === false
      ? -1
      : Number((await db.selectFrom('hosts').select(sql<number>`count(*)`.as('n')).where(where).executeTakeFirstOrThrow()).n);
  let q = db.selectFrom('hosts').selectAll().where(where);
  const dir = sort.dir === 'desc' ? 'desc' : 'asc';
  // Severity first needs each host's maximum: computed only when sorting by it (one indexed lookup per host).
  if (sort.key === 'severity')
    q = q.orderBy(sql`case when open_findings = 0 then -1 else coalesce(${maxSeverityOf}, -1) end`, dir).orderBy('open_findings', dir);
  else q = q.orderBy(SORT_COLUMN[sort.key], dir);
  const rows = await q.orderBy('hostname', dir).orderBy('agent_id', dir).limit(page.limit).offset(page.offset).execute();
  const open = rows.length
    ? await db
        .selectFrom('findings')
        .select(['agent_id', 'tool_name', 'severity'])
        .where(
          'agent_id',
          'in',
          rows.map((r) => r.agent_id),
        )
        .where('resolved_at', 'is', null)
        .orderBy('agent_id')
        .orderBy('tool_name')
        .execute()
    : [];
  const byAgent = new Map<string, { tools: string[]; max: number }>();
  for (const o of open) {
    const e = byAgent.get(o.agent_id) ?? { tools: [], max: -1 };
    if (!e.tools.includes(o.tool_name)) e.tools.push(o.tool_name);
    e.max = Math.max(e.max, SEVERITIES.indexOf(o.severity as never));
    byAgent.set(o.agent_id, e);
  }
  return {
    total,
    rows: rows.map((r) => {
      const e = byAgent.get(r.agent_id);
      return { ...hostRow(r), maxSeverity: e && e.max >= 0 ? SEVERITIES[e.max] : null, tools: e?.tools ?? [] };
    }),
  };
}

/** Hosts by the severity of their most severe open finding, from the per-host counts ingest keeps (open-counts.ts). */
export async function hostsByMaxSeverity(db: Kysely<DB>): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const r of await db.selectFrom('hosts').select('open_counts').where('open_findings', '>', 0).execute()) {
    let max = -1;
    for (const [sev, n] of Object.entries(parseJson<Partial<OpenCounts>>(r.open_counts, {}).severity ?? {}))
      if (n > 0) max = Math.max(max, SEVERITIES.indexOf(sev as never));
    if (max >= 0) out[SEVERITIES[max]] += 1;
  }
  return out;
}

/** The overview's counters: hosts by status, alerts by status and open alerts and farm groups by severity. */
export async function overviewCounts(db: Kysely<DB>): Promise<{
  hosts: Record<string, number>;
  alerts: Record<string, number>;
  openAlertsBySeverity: Record<string, number>;
  groupsBySeverity: Record<string, number>;
}> {
  const count = sql<number>`count(*)`.as('n');
  const [hosts, alerts, open, groups] = await Promise.all([
    db.selectFrom('hosts').select(['status', count]).groupBy('status').execute(),
    db.selectFrom('alerts').select(['status', count]).groupBy('status').execute(),
    db.selectFrom('alerts').select(['severity', count]).where('status', '=', 'open').groupBy('severity').execute(),
    db.selectFrom('farm_groups').select(['severity', count]).groupBy('severity').execute(),
  ]);
  const map = <K extends string>(rows: Array<Record<K, string> & { n: number | string }>, k: K) =>
    Object.fromEntries(rows.map((r) => [r[k], Number(r.n)]));
  return {
    hosts: map(hosts, 'status'),
    alerts: map(alerts, 'status'),
    openAlertsBySeverity: map(open, 'severity'),
    groupsBySeverity: map(groups, 'severity'),
  };
}

/** Each tool with open findings: how many hosts, the worst severity, since when, and up to `hostsPerTool` hosts. */
export async function toolSummaries(db: Kysely<DB>, hostsPerTool: number, maxTools = 500): Promise<ToolSummaryRow[]> {
  const tools = await db
    .selectFrom('findings')
    .where('resolved_at', 'is', null)
    .select([
      'tool_id',
      sql<string>`max(tool_name)`.as('tool_name'),
      sql<string>`max(category)`.as('category'),
      sql<number>`max(${severityRank('severity')})`.as('sev'),
      sql<number>`count(distinct agent_id)`.as('hosts'),
      sql<string>`min(first_seen)`.as('first_seen'),
    ])
    .groupBy('tool_id')
    .orderBy(sql`count(distinct agent_id)`, 'desc')
    .orderBy('tool_id')
    .limit(maxTools)
    .execute();
  // The first hosts of every listed tool in one query (a window per tool), not one query per tool.
  const byTool = new Map<string, Array<{ agentId: string; hostname: string }>>();
  if (hostsPerTool > 0 && tools.length) {
    const ids = tools.map((t) => t.tool_id);
    const rows = await sql<{ tool_id: string; agent_id: string; hostname: string }>`
      select tool_id, agent_id, hostname from (
        select t.tool_id, t.agent_id, t.hostname,
               row_number() over (partition by t.tool_id order by t.hostname, t.agent_id) as rn
        from (select distinct f.tool_id, h.agent_id, h.hostname
              from findings f join hosts h on h.agent_id = f.agent_id
              where f.resolved_at is null and f.tool_id in (${sql.join(ids)})) t
      ) ranked where rn <= ${hostsPerTool} order by tool_id, rn`.execute(db);
    for (const r of rows.rows) {
      const list = byTool.get(r.tool_id) ?? [];
      list.push({ agentId: r.agent_id, hostname: r.hostname });
      byTool.set(r.tool_id, list);
    }
  }
  const out: ToolSummaryRow[] = [];
  for (const t of tools) {
    const hosts = byTool.get(t.tool_id) ?? [];
    out.push({
      toolId: t.tool_id,
      toolName: t.tool_name,
      category: t.category,
      maxSeverity: SEVERITIES[Math.max(0, Number(t.sev))],
      hostCount: Number(t.hosts),
      firstSeen: t.first_seen,
      hosts,
    });
  }
  return out;
}

/** Distinct values for the host filters' drop-downs, each list capped. */
export async function hostFacets(
  db: Kysely<DB>,
  cap: number,
): Promise<{ os: string[]; users: string[]; tools: { toolId: string; toolName: string }[] }> {
  const os = await db.selectFrom('hosts').select('os').distinct().orderBy('os').limit(cap).execute();
  const users = await db
    .selectFrom('hosts')
    .select('user_name')
    .distinct()
    .where('user_name', 'is not', null)
    .orderBy('user_name')
    .limit(cap)
    .execute();
  const tools = await db
    .selectFrom('findings')
    .select(['tool_id', sql<string>`max(tool_name)`.as('tool_name')])
    .where('resolved_at', 'is', null)
    .groupBy('tool_id')
    .orderBy('tool_id')
    .limit(cap)
    .execute();
  return {
    os: os.map((r) => r.os),
    users: users.map((r) => r.user_name!),
    tools: tools.map((t) => ({ toolId: t.tool_id, toolName: t.tool_name })),
  };
}

/**
 * Open findings and silent hosts at the end of each of the last `days` days, oldest first. Findings are
 * counted back from today's open count with the findings that appeared or resolved since; silent hosts
 * from the silent / back-online events in the window and the hosts silent now.
 */
export async function dailyTrend(
  db: Kysely<DB>,
  now: Date,
  days: number,
): Promise<Array<{ day: string; findings: number; silent: number }>> {
  const dayEnd = (i: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i + 1)).toISOString();
  const from = dayEnd(days);
  const openNow = Number(
    (await db.selectFrom('findings').select(sql<number>`count(*)`.as('n')).where('resolved_at', 'is', null).executeTakeFirstOrThrow()).n,
  );
  const appeared = await db.selectFrom('findings').select(['first_seen', 'resolved_at']).where('first_seen', '>=', from).execute();
  const resolved = await db
    .selectFrom('findings')
    .select(['first_seen', 'resolved_at'])
    .where('resolved_at', '>=', from)
    .where('first_seen', '<', from)
    .execute();
  const silentNow = await db.selectFrom('hosts').select(['agent_id', 'last_seen']).where('status', '=', 'silent').execute();
  // Sorted here: ordering in SQL would make SQLite walk the per-agent index instead of the time range.
  const ev = (
    await db
      .selectFrom('events')
      .select(['agent_id', 'at', 'type'])
      .where('at', '>=', from)
      .where('type', 'in', ['silent', 'back-online'])
      .execute()
  ).sort((a, b) => (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  // Silent periods: [start, end) per agent; an agent silent now is silent until after today.
  const periods: Array<[string, string]> = [];
  const open = new Map<string, string>();
  for (const e of ev) {
    if (e.type === 'silent') open.set(e.agent_id, e.at);
    else {
      periods.push([open.get(e.agent_id) ?? from, e.at]);
      open.delete(e.agent_id);
    }
  }
  const future = new Date(now.getTime() + 86_400_000).toISOString();
  for (const h of silentNow) periods.push([open.get(h.agent_id) ?? new Date(Date.parse(h.last_seen) + 86_400_000).toISOString(), future]);
  const out = [];
  for (let i = days - 1; i >= 0; i--) {
    const end = dayEnd(i);
    let findings = openNow;
    for (const f of [...appeared, ...resolved]) {
      // open at `end` = opened before it and not yet resolved then; adjust today's count by what changed after
      const openAtEnd = f.first_seen < end && (!f.resolved_at || f.resolved_at >= end);
      const openToday = f.resolved_at === null;
      findings += Number(openAtEnd) - Number(openToday);
    }
    out.push({
      day: new Date(Date.parse(end) - 1).toISOString().slice(0, 10),
      findings: Math.max(0, findings),
      silent: periods.filter(([s, e]) => s < end && e >= end).length,
    });
  }
  return out;
}
