import { sql, type Kysely, type Transaction } from 'kysely';
import type { IngestItem, IngestOutcome, IncomingReport } from '../ingest/report-types.ts';
import type { EventType } from '../vocabulary.ts';
import { upsertAlertTx } from './alerts-tx.ts';
import { openCounts } from './open-counts.ts';
import type { ContextColumns, DB } from './schema.ts';

// One report applied to the fleet state inside the caller's transaction: the report row first (its
// unique report_id drops duplicates, also when two instances receive the same report at once), then
// the host, its context history, findings and timeline.

type Tx = Kysely<DB> | Transaction<DB>;
type Ctx = ContextColumns;
const CTX_KEYS = ['public_ip', 'gateway_mac', 'wifi_ssid', 'wifi_bssid', 'timezone', 'locale', 'input_methods'] as const;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

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
  const pa = a.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  return 0;
}

const MIN_INTERVAL_S = 60;
const MAX_INTERVAL_S = 24 * 3600;

export async function ingestOne(tx: Tx, item: IngestItem, defaultIntervalS: number): Promise<IngestOutcome> {
  const r = item.report;
  const now = item.receivedAt;
  const inserted = await tx.insertInto('reports').values({
    report_id: r.reportId, agent_id: r.agentId, sequence: r.sequence, kind: r.kind,
    schema_version: r.schema === 'ratwatch.report/2' ? 2 : 1, sent_at: r.sentAt, received_at: now, public_ip: item.publicIp, body: item.body,
  }).onConflict((oc) => oc.column('report_id').doNothing()).returning('id').executeTakeFirst();
  if (!inserted) return 'duplicate';

  const events: Array<{ type: EventType; detail: Record<string, unknown> }> = [];
  const alerts: Array<{ rule: string; severity: string; title: string; detail: Record<string, unknown> }> = [];
  const host = await tx.selectFrom('hosts').selectAll().where('agent_id', '=', r.agentId).executeTakeFirst();
  const ctx = contextOf(r, item.publicIp);
  const privileged = typeof r.privileged === 'boolean' ? (r.privileged ? 1 : 0) : null;
  const hostFields = {
    hostname: r.host.hostname, os: r.host.os, os_version: str(r.host.osVersion), arch: str(r.host.arch),
    agent_version: r.agentVersion, user_name: str(r.host.user), privileged, ...ctx,
  };

  let current = true; // this report is the newest the server has from the agent
  if (!host) {
    await tx.insertInto('hosts').values({
      agent_id: r.agentId, ...hostFields, first_seen: now, last_seen: now, last_sequence: r.sequence,
      expected_interval_s: defaultIntervalS, status: 'online', open_findings: 0,
    }).execute();
    events.push({ type: 'first-report', detail: { sequence: r.sequence, kind: r.kind } });
    if (r.sequence > 1) {
      events.push({ type: 'sequence-gap', detail: { missingFrom: 1, missingTo: r.sequence - 1 } });
      alerts.push({ rule: 'sequence-gap', severity: 'medium', title: `reports ${1}-${r.sequence - 1} of ${r.host.hostname} never arrived`, detail: { missingFrom: 1, missingTo: r.sequence - 1 } });
    }
    await insertContext(tx, r.agentId, now, ctx);
  } else {
    const last = Number(host.last_sequence);
    if (r.sequence === 1 && last > 1) {
      events.push({ type: 'sequence-reset', detail: { previous: last } });
      alerts.push({ rule: 'sequence-gap', severity: 'medium', title: `${r.host.hostname} restarted its report numbering (agent reinstalled or its spool wiped)`, detail: { previous: last } });
    } else if (r.sequence <= last) {
      current = false;
      events.push({ type: 'late-report', detail: { sequence: r.sequence, newest: last } });
    } else if (r.sequence > last + 1) {
      const detail = { missingFrom: last + 1, missingTo: r.sequence - 1 };
      events.push({ type: 'sequence-gap', detail });
      alerts.push({ rule: 'sequence-gap', severity: 'medium', title: `reports ${detail.missingFrom}-${detail.missingTo} of ${r.host.hostname} never arrived`, detail });
    }
    if (current) {
      const cmp = compareVersions(r.agentVersion, host.agent_version);
      if (cmp < 0) {
        const detail = { from: host.agent_version, to: r.agentVersion };
        events.push({ type: 'agent-downgrade', detail });
        alerts.push({ rule: 'agent-downgrade', severity: 'high', title: `ratwatch on ${r.host.hostname} was downgraded from ${host.agent_version} to ${r.agentVersion}`, detail });
      } else if (cmp > 0) events.push({ type: 'agent-upgrade', detail: { from: host.agent_version, to: r.agentVersion } });
      const changed = CTX_KEYS.filter((k) => (host[k] ?? null) !== ctx[k]);
      if (changed.length) {
        events.push({ type: 'context-changed', detail: Object.fromEntries(changed.map((k) => [k, { from: host[k], to: ctx[k] }])) });
        await insertContext(tx, r.agentId, now, ctx);
      }
      if (host.status !== 'online') events.push({ type: 'back-online', detail: { was: host.status, lastSeen: host.last_seen } });
      const observed = (Date.parse(now) - Date.parse(host.last_seen)) / 1000;
      const interval = observed >= MIN_INTERVAL_S && observed <= MAX_INTERVAL_S && r.sequence === last + 1
        ? Math.round(host.expected_interval_s * 0.7 + observed * 0.3)
        : host.expected_interval_s;
      await tx.updateTable('hosts').set({
        ...hostFields, last_seen: now, last_sequence: r.sequence === 1 ? 1 : Math.max(last, r.sequence), expected_interval_s: interval, status: 'online',
      }).where('agent_id', '=', r.agentId).execute();
    }
  }
  if (current && privileged === 0) {
    events.push({ type: 'unprivileged-scan', detail: { sequence: r.sequence } });
    alerts.push({ rule: 'unprivileged-scan', severity: 'medium', title: `ratwatch on ${r.host.hostname} scanned without root / Administrator rights`, detail: {} });
  }
  if (current) await applyFindings(tx, r, now, events);

  if (events.length) {
    await tx.insertInto('events').values(events.map((e) => ({ agent_id: r.agentId, at: now, type: e.type, detail: JSON.stringify(e.detail) }))).execute();
  }
  for (const a of alerts) {
    await upsertAlertTx(tx, { rule: a.rule, subject: r.agentId, severity: a.severity, title: a.title, explanation: { kind: a.rule, hostname: r.host.hostname, ...a.detail }, agentIds: [r.agentId] }, now);
  }
  return 'stored';
}

async function insertContext(tx: Tx, agentId: string, at: string, ctx: Ctx): Promise<void> {
  await tx.insertInto('context_history').values({ agent_id: agentId, at, ...ctx }).execute();
}

async function applyFindings(tx: Tx, r: IncomingReport, now: string, events: Array<{ type: EventType; detail: Record<string, unknown> }>): Promise<void> {
  const known = new Map(
    (await tx.selectFrom('findings').select(['finding_id', 'resolved_at']).where('agent_id', '=', r.agentId).execute()).map((f) => [f.finding_id, f.resolved_at]),
  );
  const active = r.findings.filter((f) => f.status === 'finding');
  const fresh = [];
  for (const f of active) {
    const cols = {
      tool_id: f.tool.id, tool_name: f.tool.name, category: f.tool.category, severity: f.severity, status: f.status,
      state: str(f.state), evidence: JSON.stringify(f.evidence ?? []), last_seen: now,
    };
    if (!known.has(f.id)) {
      fresh.push({ agent_id: r.agentId, finding_id: f.id, ...cols, first_seen: str(f.firstSeen) ?? now, resolved_at: null, resolved_reason: null });
      events.push({ type: 'finding-new', detail: { findingId: f.id, tool: f.tool, severity: f.severity } });
      known.set(f.id, null);
      continue;
    }
    const reopened = known.get(f.id) !== null;
    await tx.updateTable('findings').set({ ...cols, resolved_at: null, resolved_reason: null })
      .where('agent_id', '=', r.agentId).where('finding_id', '=', f.id).execute();
    if (reopened) events.push({ type: 'finding-reopened', detail: { findingId: f.id, tool: f.tool, severity: f.severity } });
    known.set(f.id, null);
  }
  if (fresh.length) await tx.insertInto('findings').values(fresh).execute();

  const activeIds = new Set(active.map((f) => f.id));
  const resolve = new Map<string, string>();
  for (const x of r.resolved) if (!activeIds.has(x.id)) resolve.set(x.id, x.reason);
  // A full report is the whole active state: whatever open finding it does not restate is gone.
  if (r.kind === 'full') for (const [id, resolvedAt] of known) if (resolvedAt === null && !activeIds.has(id) && !resolve.has(id)) resolve.set(id, 'absent-from-full');
  for (const [id, reason] of resolve) {
    if (known.get(id) !== null) continue; // unknown or already resolved
    await tx.updateTable('findings').set({ resolved_at: now, resolved_reason: reason })
      .where('agent_id', '=', r.agentId).where('finding_id', '=', id).where('resolved_at', 'is', null).execute();
    events.push({ type: 'finding-resolved', detail: { findingId: id, reason } });
  }
  // A host that never had a finding and reports none (most of a fleet) needs no more statements.
  if (known.size === 0) return;
  if (r.kind !== 'full') {
    // Delta and heartbeat restate nothing, but they do say every open finding is still there.
    await tx.updateTable('findings').set({ last_seen: now }).where('agent_id', '=', r.agentId).where('resolved_at', 'is', null).execute();
  }
  const groups = await tx.selectFrom('findings').select(['severity', 'category', sql<number>`count(*)`.as('n')])
    .where('agent_id', '=', r.agentId).where('resolved_at', 'is', null).groupBy(['severity', 'category']).execute();
  const c = openCounts(groups.map((g) => ({ severity: g.severity, category: g.category, n: Number(g.n) })));
  await tx.updateTable('hosts').set({ open_findings: c.total, open_counts: JSON.stringify(c.counts) }).where('agent_id', '=', r.agentId).execute();
}
