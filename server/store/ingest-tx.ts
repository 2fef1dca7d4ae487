import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { IngestItem, IngestOutcome, IncomingReport } from '../ingest/report-types.ts';
import type { EventType } from '../vocabulary.ts';
import type { Dialect } from './open.ts';
import { upsertAlertTx } from './alerts-tx.ts';
import { openCounts } from './open-counts.ts';
import type { ContextColumns, DB, FindingsTable, HostsTable } from './schema.ts';

// A batch of reports applied to the fleet state inside the caller's transaction (group commit), with a
// fixed number of statements per batch rather than per report: the report rows first (their unique
// report_id drops duplicates, also when two instances receive the same report at once), then one read of
// the hosts and findings concerned, the per-report logic in memory, and multi-row writes.
// An agent's reports in one batch go in rounds (its first in round 1, its second in round 2...), so that
// within a round each host is read and written once and the logic sees exactly what the previous report left.

type Tx = Kysely<DB> | Transaction<DB>;
type HostRow = Selectable<HostsTable>;
type Ctx = ContextColumns;
const CTX_KEYS = ['public_ip', 'gateway_mac', 'wifi_ssid', 'wifi_bssid', 'timezone', 'locale', 'input_methods'] as const;
/** Rows per multi-row statement: far below SQLite's 32766 bound variables and PostgreSQL's 65535 with 20 columns. */
const CHUNK = 500;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function contextOf(r: IncomingReport, publicIp: string | null): Ctx {
  const c = r.context ?? {};
  return {
    public_ip: publicIp,
    gateway_mac: str(c.defaultGatewayMac)?.toLowerCase() ?? null,
    wifi_ssid: str(c.wifiSsid),
    wifi_bssid: str(c.wifiBssid)?.toLowerCase() ?? null,
    timezone: str(c.timezone),
    locale: str(c.locale),
    input_methods: Array.isArray(c.inputMethods) && c.inputMethods.length ? JSON.stringify(c.inputMethods) : null,
  };
}

/** -1, 0, 1 comparing dotted versions numerically ("0.10.0" > "0.9.3"); pre-release tags ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .split(/[.+-]/)
    .slice(0, 3)
    .map((x) => Number.parseInt(x, 10) || 0);
  const pb = b
    .split(/[.+-]/)
    .slice(0, 3)
    .map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  return 0;
}

const MIN_INTERVAL_S = 60;
const MAX_INTERVAL_S = 24 * 3600;

interface Known {
  resolved_at: string | null;
  severity: string;
  category: string;
}
type FindingInsert = Omit<FindingsTable, 'id'>;

/** What one round writes, gathered while the reports are applied in memory. */
interface Writes {
  hosts: Map<string, HostRow>;
  context: Array<Ctx & { agent_id: string; at: string }>;
  events: Array<{ agent_id: string; at: string; type: EventType; detail: string }>;
  alerts: Array<{
    at: string;
    rule: string;
    agentId: string;
    hostname: string;
    severity: string;
    title: string;
    detail: Record<string, unknown>;
  }>;
  findings: FindingInsert[];
  resolve: Array<{ agentId: string; findingId: string; at: string; reason: string }>;
  stillOpen: Array<{ agentId: string; at: string }>;
}

/**
 * Applies the items (sorted by agent and sequence) and returns each one's outcome in the same order. The
 * report id decides duplicates, here only: a report already stored, or listed twice in this batch (the first
 * is applied), is 'duplicate'.
 */
export async function ingestBatch(tx: Tx, items: IngestItem[], defaultIntervalS: number, dialect: Dialect): Promise<IngestOutcome[]> {
  const stored = new Set<string>();
  for (const part of chunks(items, 200)) {
    const rows = await tx
      .insertInto('reports')
      .values(
        part.map(({ report: r, body, publicIp, receivedAt }) => ({
          report_id: r.reportId,
          agent_id: r.agentId,
          sequence: r.sequence,
          kind: r.kind,
          schema_version: r.schema === 'ratwatch.report/2' ? 2 : 1,
          sent_at: r.sentAt,
          received_at: receivedAt,
          public_ip: publicIp,
          body,
        })),
      )
      .onConflict((oc) => oc.column('report_id').doNothing())
      .returning('report_id')
      .execute();
    for (const row of rows) stored.add(row.report_id);
  }
  const rounds: IngestItem[][] = [];
  const seen = new Map<string, number>();
  const outcomes = items.map((it) => {
    // The same report twice in one batch: the first is applied, the second is a duplicate of it.
    if (!stored.delete(it.report.reportId)) return 'duplicate' as const;
    const k = seen.get(it.report.agentId) ?? 0;
    seen.set(it.report.agentId, k + 1);
    (rounds[k] ??= []).push(it);
    return 'stored' as const;
  });
  for (const round of rounds) await applyRound(tx, round, defaultIntervalS, dialect);
  return outcomes;
}

async function applyRound(tx: Tx, round: IngestItem[], defaultIntervalS: number, dialect: Dialect): Promise<void> {
  const agentIds = round.map((it) => it.report.agentId); // one report per agent in a round, sorted
  const hosts = new Map<string, HostRow>();
  if (dialect === 'postgres') await lockAgents(tx, agentIds);
  for (const ids of chunks(agentIds)) {
    const q = tx.selectFrom('hosts').selectAll().where('agent_id', 'in', ids).orderBy('agent_id');
    // Row locks in agent order: a concurrent batch on another instance waits instead of overwriting this one's update.
    for (const h of await (dialect === 'postgres' ? q.forUpdate() : q).execute()) hosts.set(h.agent_id, h);
  }
  const known = new Map<string, Map<string, Known>>();
  for (const ids of chunks([...hosts.keys()])) {
    const rows = await tx
      .selectFrom('findings')
      .select(['agent_id', 'finding_id', 'resolved_at', 'severity', 'category'])
      .where('agent_id', 'in', ids)
      .execute();
    for (const f of rows) {
      let m = known.get(f.agent_id);
      if (!m) known.set(f.agent_id, (m = new Map()));
      m.set(f.finding_id, { resolved_at: f.resolved_at, severity: f.severity, category: f.category });
    }
  }
  const w: Writes = { hosts: new Map(), context: [], events: [], alerts: [], findings: [], resolve: [], stillOpen: [] };
  for (const it of round) {
    const id = it.report.agentId;
    applyReport(it, hosts.get(id), known.get(id) ?? new Map(), defaultIntervalS, w);
  }
  await writeRound(tx, w);
}

/**
 * PostgreSQL: one transaction-scoped advisory lock per agent, taken in key order before the hosts are read.
 * A row lock (FOR UPDATE) cannot hold back an agent that has no host row yet: two instances receiving a
 * new agent's first reports at once would both see no host and the later commit would overwrite
 * last_sequence (and log a second first-report). With the lock the second waits, then reads the first's row.
 * The two-key form keeps these keys apart from any single-key advisory lock (Kysely's migration lock).
 */
async function lockAgents(tx: Tx, agentIds: string[]): Promise<void> {
  // One statement for the whole batch (an array is one parameter): the keys are taken in one global order.
  // Every agent of a batch is in its first round, so later rounds only take locks this transaction holds.
  await sql`select pg_advisory_xact_lock(${sql.lit(AGENT_LOCK_SPACE)}, k) from (select distinct hashtext(a) as k from unnest(${agentIds}::text[]) as a order by k) as keys`.execute(
    tx,
  );
}
const AGENT_LOCK_SPACE = 0x5241; // "RA": this module's namespace for advisory locks

/** The fleet-state logic for one report, against the host and findings as the previous report left them. */
function applyReport(item: IngestItem, host: HostRow | undefined, known: Map<string, Known>, defaultIntervalS: number, w: Writes): void {
  const r = item.report;
  const now = item.receivedAt;
  const events: Array<{ type: EventType; detail: Record<string, unknown> }> = [];
  const alert = (rule: string, severity: string, title: string, detail: Record<string, unknown>) =>
    w.alerts.push({ at: now, rule, agentId: r.agentId, hostname: r.host.hostname, severity, title, detail });
  const ctx = contextOf(r, item.publicIp);
  const privileged = typeof r.privileged === 'boolean' ? (r.privileged ? 1 : 0) : null;
  const hostFields = {
    hostname: r.host.hostname,
    os: r.host.os,
    os_version: str(r.host.osVersion),
    arch: str(r.host.arch),
    agent_version: r.agentVersion,
    user_name: str(r.host.user),
    privileged,
    ...ctx,
  };

  let current = true; // this report is the newest the server has from the agent
  let row: HostRow | undefined;
  if (!host) {
    row = {
      agent_id: r.agentId,
      ...hostFields,
      first_seen: now,
      last_seen: now,
      last_sequence: r.sequence,
      expected_interval_s: defaultIntervalS,
      status: 'online',
      open_findings: 0,
      open_counts: '{}',
    };
    events.push({ type: 'first-report', detail: { sequence: r.sequence, kind: r.kind } });
    if (r.sequence > 1) {
      events.push({ type: 'sequence-gap', detail: { missingFrom: 1, missingTo: r.sequence - 1 } });
      alert('sequence-gap', 'medium', `reports ${1}-${r.sequence - 1} of ${r.host.hostname} never arrived`, {
        missingFrom: 1,
        missingTo: r.sequence - 1,
      });
    }
    w.context.push({ agent_id: r.agentId, at: now, ...ctx });
  } else {
    const last = Number(host.last_sequence);
    if (r.sequence === 1 && last > 1) {
      events.push({ type: 'sequence-reset', detail: { previous: last } });
      alert('sequence-gap', 'medium', `${r.host.hostname} restarted its report numbering (agent reinstalled or its spool wiped)`, {
        previous: last,
      });
    } else if (r.sequence <= last) {
      current = false;
      events.push({ type: 'late-report', detail: { sequence: r.sequence, newest: last } });
    } else if (r.sequence > last + 1) {
      const detail = { missingFrom: last + 1, missingTo: r.sequence - 1 };
      events.push({ type: 'sequence-gap', detail });
      alert('sequence-gap', 'medium', `reports ${detail.missingFrom}-${detail.missingTo} of ${r.host.hostname} never arrived`, detail);
    }
    if (current) {
      const cmp = compareVersions(r.agentVersion, host.agent_version);
      if (cmp < 0) {
        const detail = { from: host.agent_version, to: r.agentVersion };
        events.push({ type: 'agent-downgrade', detail });
        alert(
          'agent-downgrade',
          'high',
          `ratwatch on ${r.host.hostname} was downgraded from ${host.agent_version} to ${r.agentVersion}`,
          detail,
        );
      } else if (cmp > 0) events.push({ type: 'agent-upgrade', detail: { from: host.agent_version, to: r.agentVersion } });
      const changed = CTX_KEYS.filter((k) => (host[k] ?? null) !== ctx[k]);
      if (changed.length) {
        events.push({ type: 'context-changed', detail: Object.fromEntries(changed.map((k) => [k, { from: host[k], to: ctx[k] }])) });
        w.context.push({ agent_id: r.agentId, at: now, ...ctx });
      }
      if (host.status !== 'online') events.push({ type: 'back-online', detail: { was: host.status, lastSeen: host.last_seen } });
      const observed = (Date.parse(now) - Date.parse(host.last_seen)) / 1000;
      const interval =
        observed >= MIN_INTERVAL_S && observed <= MAX_INTERVAL_S && r.sequence === last + 1
          ? Math.round(host.expected_interval_s * 0.7 + observed * 0.3)
          : host.expected_interval_s;
      row = {
        ...host,
        ...hostFields,
        last_seen: now,
        last_sequence: r.sequence === 1 ? 1 : Math.max(last, r.sequence),
        expected_interval_s: interval,
        status: 'online',
      };
    }
  }
  if (current && privileged === 0) {
    events.push({ type: 'unprivileged-scan', detail: { sequence: r.sequence } });
    alert('unprivileged-scan', 'medium', `ratwatch on ${r.host.hostname} scanned without root / Administrator rights`, {});
  }
  if (current && row) {
    const counts = applyFindings(r, now, known, events, w);
    if (counts) Object.assign(row, counts);
    w.hosts.set(r.agentId, row);
  }
  for (const e of events) w.events.push({ agent_id: r.agentId, at: now, type: e.type, detail: JSON.stringify(e.detail) });
}

/** Findings of one current report; returns the host's new open counts, or undefined when it never had a finding. */
function applyFindings(
  r: IncomingReport,
  now: string,
  known: Map<string, Known>,
  events: Array<{ type: EventType; detail: Record<string, unknown> }>,
  w: Writes,
): Pick<HostRow, 'open_findings' | 'open_counts'> | undefined {
  const active = r.findings.filter((f) => f.status === 'finding');
  const upserts = new Map<string, FindingInsert>(); // a finding listed twice is written once, as last listed
  for (const f of active) {
    const before = known.get(f.id);
    upserts.set(f.id, {
      agent_id: r.agentId,
      finding_id: f.id,
      tool_id: f.tool.id,
      tool_name: f.tool.name,
      category: f.tool.category,
      severity: f.severity,
      status: f.status,
      state: str(f.state),
      evidence: JSON.stringify(f.evidence ?? []),
      first_seen: upserts.get(f.id)?.first_seen ?? str(f.firstSeen) ?? now,
      last_seen: now,
      resolved_at: null,
      resolved_reason: null,
    });
    if (!before) events.push({ type: 'finding-new', detail: { findingId: f.id, tool: f.tool, severity: f.severity } });
    else if (before.resolved_at !== null)
      events.push({ type: 'finding-reopened', detail: { findingId: f.id, tool: f.tool, severity: f.severity } });
    known.set(f.id, { resolved_at: null, severity: f.severity, category: f.tool.category });
  }
  w.findings.push(...upserts.values());

  const activeIds = new Set(active.map((f) => f.id));
  const resolve = new Map<string, string>();
  for (const x of r.resolved) if (!activeIds.has(x.id)) resolve.set(x.id, x.reason);
  // A full report is the whole active state: whatever open finding it does not restate is gone.
  if (r.kind === 'full')
    for (const [id, k] of known) if (k.resolved_at === null && !activeIds.has(id) && !resolve.has(id)) resolve.set(id, 'absent-from-full');
  for (const [id, reason] of resolve) {
    const k = known.get(id);
    if (!k || k.resolved_at !== null) continue; // unknown or already resolved
    k.resolved_at = now;
    w.resolve.push({ agentId: r.agentId, findingId: id, at: now, reason });
    events.push({ type: 'finding-resolved', detail: { findingId: id, reason } });
  }
  // A host that never had a finding and reports none (most of a fleet) needs no more statements.
  if (known.size === 0) return undefined;
  // Delta and heartbeat restate nothing, but they do say every open finding is still there.
  if (r.kind !== 'full') w.stillOpen.push({ agentId: r.agentId, at: now });
  const groups = new Map<string, { severity: string; category: string; n: number }>();
  for (const k of known.values()) {
    if (k.resolved_at !== null) continue;
    const key = `${k.severity}\u0000${k.category}`;
    const g = groups.get(key) ?? { severity: k.severity, category: k.category, n: 0 };
    g.n++;
    groups.set(key, g);
  }
  const c = openCounts([...groups.values()]);
  return { open_findings: c.total, open_counts: JSON.stringify(c.counts) };
}

async function writeRound(tx: Tx, w: Writes): Promise<void> {
  for (const part of chunks([...w.hosts.values()])) {
    await tx
      .insertInto('hosts')
      .values(part)
      .onConflict((oc) =>
        oc.column('agent_id').doUpdateSet((eb) => ({
          hostname: eb.ref('excluded.hostname'),
          os: eb.ref('excluded.os'),
          os_version: eb.ref('excluded.os_version'),
          arch: eb.ref('excluded.arch'),
          agent_version: eb.ref('excluded.agent_version'),
          user_name: eb.ref('excluded.user_name'),
          privileged: eb.ref('excluded.privileged'),
          public_ip: eb.ref('excluded.public_ip'),
          gateway_mac: eb.ref('excluded.gateway_mac'),
          wifi_ssid: eb.ref('excluded.wifi_ssid'),
          wifi_bssid: eb.ref('excluded.wifi_bssid'),
          timezone: eb.ref('excluded.timezone'),
          locale: eb.ref('excluded.locale'),
          input_methods: eb.ref('excluded.input_methods'),
          last_seen: eb.ref('excluded.last_seen'),
          last_sequence: eb.ref('excluded.last_sequence'),
          expected_interval_s: eb.ref('excluded.expected_interval_s'),
          status: eb.ref('excluded.status'),
          open_findings: eb.ref('excluded.open_findings'),
          open_counts: eb.ref('excluded.open_counts'),
        })),
      )
      .execute();
  }
  for (const part of chunks(w.context)) await tx.insertInto('context_history').values(part).execute();
  for (const part of chunks(w.findings)) {
    await tx
      .insertInto('findings')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['agent_id', 'finding_id']).doUpdateSet((eb) => ({
          tool_id: eb.ref('excluded.tool_id'),
          tool_name: eb.ref('excluded.tool_name'),
          category: eb.ref('excluded.category'),
          severity: eb.ref('excluded.severity'),
          status: eb.ref('excluded.status'),
          state: eb.ref('excluded.state'),
          evidence: eb.ref('excluded.evidence'),
          last_seen: eb.ref('excluded.last_seen'),
          resolved_at: null,
          resolved_reason: null,
        })),
      )
      .execute();
  }
  for (const x of w.resolve) {
    await tx
      .updateTable('findings')
      .set({ resolved_at: x.at, resolved_reason: x.reason })
      .where('agent_id', '=', x.agentId)
      .where('finding_id', '=', x.findingId)
      .where('resolved_at', 'is', null)
      .execute();
  }
  for (const x of w.stillOpen) {
    await tx.updateTable('findings').set({ last_seen: x.at }).where('agent_id', '=', x.agentId).where('resolved_at', 'is', null).execute();
  }
  for (const part of chunks(w.events)) await tx.insertInto('events').values(part).execute();
  for (const a of w.alerts) {
    await upsertAlertTx(
      tx,
      {
        rule: a.rule,
        subject: a.agentId,
        severity: a.severity,
        title: a.title,
        explanation: { kind: a.rule, hostname: a.hostname, ...a.detail },
        agentIds: [a.agentId],
      },
      a.at,
    );
  }
}
