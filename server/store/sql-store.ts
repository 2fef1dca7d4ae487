import { closeSync, openSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { IngestItem, IngestOutcome } from '../ingest/report-types.ts';
import { OFFLINE_MISSED_INTERVALS, SILENT_AFTER_MS, type AlertStatus, type EventType, type Role } from '../vocabulary.ts';
import { AgentKeyCache, type AgentKeyCacheOptions, bumpKeysVersion } from './agent-keys.ts';
import { upsertAlertTx } from './alerts-tx.ts';
import * as admin from './console-admin.ts';
import * as consoleQ from './console-queries.ts';
import { contains } from './console-queries.ts';
import * as notifyTx from './alert-notify-tx.ts';
import * as deliveryTx from './delivery-tx.ts';
import * as farmTx from './farm-tx.ts';
import { ingestBatch } from './ingest-tx.ts';
import * as sessionsTx from './sessions-tx.ts';
import { commitThenSync, WalLog } from './wal-sync.ts';
import { DEFAULT_PAGES, SAFETY_NET_PAGES, WalCheckpointer } from './wal-checkpointer.ts';
import { migrate } from './migrations.ts';
import type { OpenCounts } from './open-counts.ts';
import { openPostgres, openSqlite, type Dialect, type OpenedDb } from './open.ts';
import { alertRow, findingRow, hostRow, parseJson } from './rows.ts';
import type { DB } from './schema.ts';
import type {
  AlertFilter,
  AlertInput,
  AlertNotificationRow,
  NotifierCounts,
  AlertRow,
  AuditEntry,
  ContextRow,
  EventRow,
  FindingFilter,
  FindingRow,
  HostFilter,
  HostRow,
  HostSnapshotRow,
  LivenessChange,
  NetworkGroup,
  Overview,
  SiemSinkCounts,
  Store,
  UserRow,
  FarmGroupRow,
  NotifierRow,
  ConsoleHostFilter,
  ConsoleHostSort,
  ConsoleHostRow,
  ToolSummaryRow,
  AgentKeyRow,
  ApiTokenRow,
  UserSummaryRow,
  OutboxInsert,
  OutboxRow,
  SiemBacklog,
  SessionRow,
} from './types.ts';

export interface StoreOptions {
  /** postgres://... ; when absent, SQLite at sqliteFile. */
  postgresUrl?: string | undefined;
  sqliteFile?: string;
  poolSize?: number;
  /** The agent key cache's recheck interval and clock (tests). */
  keyCache?: AgentKeyCacheOptions;
  /** SQLite file: one checkpoint per this many ms (more often when the log grows fast), on a worker thread (wal-checkpointer.ts). */
  checkpointIntervalMs?: number;
}

export async function openStore(o: StoreOptions): Promise<Store> {
  const opened = o.postgresUrl ? openPostgres(o.postgresUrl, o.poolSize) : openSqlite(o.sqliteFile ?? ':memory:');
  try {
    await migrate(opened.db, opened.dialect);
  } catch (e) {
    await opened.db.destroy().catch(() => undefined);
    throw e;
  }
  const store = new SqlStore(opened, o.keyCache);
  if (opened.walFile && o.sqliteFile) await store.checkpointOffLoop(o.sqliteFile, o.checkpointIntervalMs ?? 1000);
  return store;
}

export class SqlStore implements Store {
  readonly dialect: Dialect;
  private readonly db: Kysely<DB>;
  private readonly keys: AgentKeyCache;
  private readonly walLog: WalLog | undefined;
  private dbFd: number | undefined; // the database file's, for the checkpoint thread (wal-checkpointer.ts)
  /** SQLite file only: checkpoints on a worker thread. */
  checkpointer: WalCheckpointer | undefined;

  constructor(o: OpenedDb, keyCache: AgentKeyCacheOptions = {}) {
    this.db = o.db;
    this.dialect = o.dialect;
    this.keys = new AgentKeyCache(o.db, keyCache);
    this.walLog = o.walFile ? new WalLog(o.walFile) : undefined;
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    await this.walLog?.close();
    await this.db.destroy();
    if (this.dbFd !== undefined) closeSync(this.dbFd); // after the connection: the close drops the process's locks on the file
    this.dbFd = undefined;
  }

  /** Hands the log's checkpoints to a worker thread; the serving connection's own threshold becomes a safety net. */
  async checkpointOffLoop(file: string, intervalMs: number): Promise<void> {
    await sql`pragma wal_autocheckpoint = ${sql.lit(SAFETY_NET_PAGES)}`.execute(this.db);
    this.dbFd = openSync(file, 'r');
    this.checkpointer = new WalCheckpointer(file, {
      intervalMs,
      dbFd: this.dbFd,
      // Without the thread the serving connection checkpoints for itself again, as SQLite does by default.
      onExit: () => void sql`pragma wal_autocheckpoint = ${sql.lit(DEFAULT_PAGES)}`.execute(this.db).catch(() => undefined),
    });
  }

  async settingOrInit(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
  }

  async enrollAgent(a: { agentId: string; keyHash: string; hostname: string; at: string }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('agents')
        .values({ agent_id: a.agentId, key_hash: a.keyHash, hostname: a.hostname, enrolled_at: a.at, revoked_at: null })
        .onConflict((oc) =>
          oc.column('agent_id').doUpdateSet({ key_hash: a.keyHash, hostname: a.hostname, enrolled_at: a.at, revoked_at: null }),
        )
        .execute();
      await bumpKeysVersion(tx); // a re-enrollment retires the agent's old key on every instance
    });
    this.keys.forget(a.agentId);
  }

  /** Cached for keys that are not revoked (agent-keys.ts: a revocation shows here at once, elsewhere within 1 s). */
  async agentByKeyHash(keyHash: string): Promise<{ agentId: string; revoked: boolean } | undefined> {
    const cached = await this.keys.get(keyHash);
    if (cached) return { agentId: cached, revoked: false };
    const lookup = this.keys.begin();
    const a = await this.db.selectFrom('agents').select(['agent_id', 'revoked_at']).where('key_hash', '=', keyHash).executeTakeFirst();
    if (a && a.revoked_at === null) lookup.keep(keyHash, a.agent_id);
    return a ? { agentId: a.agent_id, revoked: a.revoked_at !== null } : undefined;
  }

  async revokeAgent(agentId: string, at: string): Promise<boolean> {
    const revoked = await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('agents')
        .set({ revoked_at: at })
        .where('agent_id', '=', agentId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) await bumpKeysVersion(tx);
      return Number(r.numUpdatedRows) > 0;
    });
    this.keys.forget(agentId);
    return revoked;
  }

  async ingest(items: IngestItem[], defaultIntervalS: number, onCommitted?: () => void): Promise<IngestOutcome[]> {
    // Sorted so that concurrent batches on PostgreSQL take row locks in one order (no deadlock between instances).
    const order = items
      .map((it, i) => ({ it, i }))
      .sort((a, b) =>
        a.it.report.agentId < b.it.report.agentId
          ? -1
          : a.it.report.agentId > b.it.report.agentId
            ? 1
            : a.it.report.sequence - b.it.report.sequence,
      );
    const out: IngestOutcome[] = new Array(items.length);
    const apply = (db: Kysely<DB>) =>
      db.transaction().execute(async (tx) => {
        const outcomes = await ingestBatch(
          tx,
          order.map((o) => o.it),
          defaultIntervalS,
          this.dialect,
        );
        for (const [k, o] of order.entries()) out[o.i] = outcomes[k];
      });
    if (this.walLog) {
      // held back while the checkpoint thread restarts the log: a commit now would wait on the event loop
      const gate = this.checkpointer?.gate;
      if (gate) await gate;
      await commitThenSync(this.db, this.walLog, apply, onCommitted);
      this.checkpointer?.poke();
    } else await apply(this.db);
    return out;
  }

  async recordEvent(e: EventRow): Promise<void> {
    await this.db
      .insertInto('events')
      .values({ agent_id: e.agentId, at: e.at, type: e.type, detail: JSON.stringify(e.detail) })
      .execute();
  }

  async updateLiveness(now: Date): Promise<LivenessChange[]> {
    const at = now.toISOString();
    const silentBefore = new Date(now.getTime() - SILENT_AFTER_MS).toISOString();
    return this.db.transaction().execute(async (tx) => {
      const candidates = await tx
        .selectFrom('hosts')
        .select(['agent_id', 'hostname', 'status', 'last_seen', 'expected_interval_s'])
        .where('status', '!=', 'silent')
        .where('last_seen', '<', new Date(now.getTime() - 60_000 * OFFLINE_MISSED_INTERVALS).toISOString())
        .execute();
      const changes: LivenessChange[] = [];
      for (const h of candidates) {
        const missedSince = new Date(Date.parse(h.last_seen) + OFFLINE_MISSED_INTERVALS * h.expected_interval_s * 1000).toISOString();
        const to = h.last_seen < silentBefore ? 'silent' : missedSince < at ? 'offline' : undefined;
        if (!to || to === h.status) continue;
        await tx.updateTable('hosts').set({ status: to }).where('agent_id', '=', h.agent_id).where('last_seen', '=', h.last_seen).execute();
        await tx
          .insertInto('events')
          .values({
            agent_id: h.agent_id,
            at,
            type: to satisfies EventType,
            detail: JSON.stringify({ lastSeen: h.last_seen, expectedIntervalS: h.expected_interval_s }),
          })
          .execute();
        await upsertAlertTx(
          tx,
          {
            rule: to === 'silent' ? 'agent-silent' : 'agent-offline',
            subject: h.agent_id,
            severity: to === 'silent' ? 'high' : 'medium',
            title:
              to === 'silent'
                ? `${h.hostname} has not reported for more than 24 hours`
                : `${h.hostname} missed ${OFFLINE_MISSED_INTERVALS} reporting intervals`,
            explanation: { kind: to, hostname: h.hostname, lastSeen: h.last_seen, expectedIntervalS: h.expected_interval_s },
            agentIds: [h.agent_id],
          },
          at,
        );
        changes.push({ agentId: h.agent_id, hostname: h.hostname, to, lastSeen: h.last_seen });
      }
      return changes;
    });
  }

  upsertAlert(a: AlertInput, at: string): Promise<{ id: number; created: boolean }> {
    return upsertAlertTx(this.db, a, at);
  }

  async setAlertStatus(id: number, status: AlertStatus, actor: string, at: string, from?: AlertStatus): Promise<boolean> {
    const set =
      status === 'acknowledged'
        ? { status, ack_by: actor, ack_at: at }
        : status === 'closed'
          ? { status, closed_by: actor, closed_at: at }
          : { status, ack_by: null, ack_at: null, closed_by: null, closed_at: null };
    let q = this.db.updateTable('alerts').set(set).where('id', '=', id);
    if (from) q = q.where('status', '=', from);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async hostSnapshots(since: string): Promise<HostSnapshotRow[]> {
    const hosts = await this.db.selectFrom('hosts').selectAll().where('last_seen', '>=', since).execute();
    const history = await this.db.selectFrom('context_history').selectAll().where('at', '>=', since).orderBy('at').execute();
    const findings = await this.db
      .selectFrom('findings')
      .select(['agent_id', 'tool_id', 'tool_name', 'category', 'severity', 'state'])
      .where('resolved_at', 'is', null)
      .where('status', '=', 'finding')
      .execute();
    const byAgent = <T extends { agent_id: string }>(rows: T[]) => {
      const m = new Map<string, T[]>();
      for (const r of rows) m.set(r.agent_id, [...(m.get(r.agent_id) ?? []), r]);
      return m;
    };
    const hist = byAgent(history);
    const fnd = byAgent(findings);
    return hosts.map((h) => {
      const row = hostRow(h);
      return {
        agentId: row.agentId,
        hostname: row.hostname,
        ...(row.user ? { user: row.user } : {}),
        os: row.os,
        seenAt: row.lastSeen,
        ...(row.publicIp ? { publicIp: row.publicIp } : {}),
        context: row.context,
        contextHistory: (hist.get(h.agent_id) ?? []).map((c) => ({
          at: c.at,
          ...(c.public_ip ? { publicIp: c.public_ip } : {}),
          ...(c.gateway_mac ? { defaultGatewayMac: c.gateway_mac } : {}),
          ...(c.wifi_ssid ? { wifiSsid: c.wifi_ssid } : {}),
          ...(c.wifi_bssid ? { wifiBssid: c.wifi_bssid } : {}),
          ...(c.timezone ? { timezone: c.timezone } : {}),
          ...(c.locale ? { locale: c.locale } : {}),
          ...(c.input_methods ? { inputMethods: parseJson<string[]>(c.input_methods, []) } : {}),
        })),
        findings: (fnd.get(h.agent_id) ?? []).map((f) => ({
          toolId: f.tool_id,
          toolName: f.tool_name,
          category: f.category,
          severity: f.severity,
          ...(f.state ? { state: f.state } : {}),
        })),
      };
    });
  }

  async purgeBefore(cutoff: string): Promise<{ reports: number; events: number; contextHistory: number; alertNotifications: number }> {
    const n = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
    return this.db.transaction().execute(async (tx) => ({
      reports: n(await tx.deleteFrom('reports').where('received_at', '<', cutoff).executeTakeFirst()),
      events: n(await tx.deleteFrom('events').where('at', '<', cutoff).executeTakeFirst()),
      // The host row keeps the current context; history rows are the past.
      contextHistory: n(await tx.deleteFrom('context_history').where('at', '<', cutoff).executeTakeFirst()),
      alertNotifications: await notifyTx.purgeAlertNotifications(tx, cutoff),
    }));
  }

  async tryLease(name: string, holder: string, now: string, until: string): Promise<boolean> {
    await this.db
      .insertInto('job_leases')
      .values({ name, holder: '', lease_until: '' })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    // One conditional UPDATE: whichever instance's statement runs first takes the lease; the others match no row.
    const r = await this.db
      .updateTable('job_leases')
      .set({ holder, lease_until: until })
      .where('name', '=', name)
      .where('lease_until', '<=', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async listHosts(f: HostFilter): Promise<HostRow[]> {
    let q = this.db.selectFrom('hosts').selectAll();
    if (f.status) q = q.where('status', '=', f.status);
    if (f.os) q = q.where('os', '=', f.os);
    if (f.q) q = q.where((eb) => eb.or([contains('hostname', f.q!), eb('agent_id', '=', f.q!), contains('user_name', f.q!)]));
    const rows = await q.orderBy('hostname').orderBy('agent_id').limit(f.limit).offset(f.offset).execute();
    return rows.map(hostRow);
  }

  async getHost(agentId: string): Promise<HostRow | undefined> {
    const h = await this.db.selectFrom('hosts').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
    return h ? hostRow(h) : undefined;
  }

  async listFindings(f: FindingFilter): Promise<FindingRow[]> {
    let q = this.db
      .selectFrom('findings')
      .innerJoin('hosts', 'hosts.agent_id', 'findings.agent_id')
      .selectAll('findings')
      .select('hosts.hostname');
    if (f.agentId) q = q.where('findings.agent_id', '=', f.agentId);
    if (f.severity) q = q.where('findings.severity', '=', f.severity);
    if (f.category) q = q.where('findings.category', '=', f.category);
    if (f.toolId) q = q.where('findings.tool_id', '=', f.toolId);
    if (f.open === true) q = q.where('findings.resolved_at', 'is', null);
    if (f.open === false) q = q.where('findings.resolved_at', 'is not', null);
    const rows = await q.orderBy('findings.id', 'desc').limit(f.limit).offset(f.offset).execute();
    return rows.map(findingRow);
  }

  async timeline(agentId: string, limit: number): Promise<EventRow[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('agent_id', '=', agentId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((e) => ({
      agentId: e.agent_id,
      at: e.at,
      type: e.type as EventType,
      detail: parseJson<Record<string, unknown>>(e.detail, {}),
    }));
  }

  async contextHistory(agentId: string, limit: number): Promise<ContextRow[]> {
    const rows = await this.db
      .selectFrom('context_history')
      .selectAll()
      .where('agent_id', '=', agentId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((c) => ({
      at: c.at,
      publicIp: c.public_ip,
      ...(c.gateway_mac ? { defaultGatewayMac: c.gateway_mac } : {}),
      ...(c.wifi_ssid ? { wifiSsid: c.wifi_ssid } : {}),
      ...(c.wifi_bssid ? { wifiBssid: c.wifi_bssid } : {}),
      ...(c.timezone ? { timezone: c.timezone } : {}),
      ...(c.locale ? { locale: c.locale } : {}),
      ...(c.input_methods ? { inputMethods: parseJson<string[]>(c.input_methods, []) } : {}),
    }));
  }

  async listAlerts(f: AlertFilter): Promise<AlertRow[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (f.status) q = q.where('status', '=', f.status);
    if (f.rule) q = q.where('rule', '=', f.rule);
    return (await q.orderBy('last_seen', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute()).map(alertRow);
  }

  async networkGroups(since: string, minHosts: number): Promise<NetworkGroup[]> {
    const out: NetworkGroup[] = [];
    for (const [kind, col] of [
      ['public-ip', 'public_ip'],
      ['gateway-mac', 'gateway_mac'],
      ['wifi-bssid', 'wifi_bssid'],
    ] as const) {
      const rows = await this.db
        .selectFrom('context_history')
        .select([sql<string>`${sql.ref(col)}`.as('value'), 'agent_id'])
        .where(col, 'is not', null)
        .where('at', '>=', since)
        .groupBy([col, 'agent_id'])
        .execute();
      const m = new Map<string, string[]>();
      for (const r of rows) m.set(r.value, [...(m.get(r.value) ?? []), r.agent_id]);
      for (const [value, ids] of m) if (ids.length >= minHosts) out.push({ kind, value, hostCount: ids.length, agentIds: ids.sort() });
    }
    return out.sort((a, b) => b.hostCount - a.hostCount || a.value.localeCompare(b.value));
  }

  async overview(): Promise<Overview> {
    const hosts = await this.db
      .selectFrom('hosts')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    // Summed from the per-host counts the ingest transaction keeps (open-counts.ts), not counted from findings.
    const sev: Record<string, number> = {};
    const cat: Record<string, number> = {};
    for (const r of await this.db.selectFrom('hosts').select('open_counts').where('open_findings', '>', 0).execute()) {
      const c = parseJson<Partial<OpenCounts>>(r.open_counts, {});
      for (const [k, n] of Object.entries(c.severity ?? {})) sev[k] = (sev[k] ?? 0) + n;
      for (const [k, n] of Object.entries(c.category ?? {})) cat[k] = (cat[k] ?? 0) + n;
    }
    const alerts = await this.db
      .selectFrom('alerts')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    const h = { online: 0, offline: 0, silent: 0, total: 0 } as Overview['hosts'];
    for (const r of hosts) {
      h[r.status as 'online'] = Number(r.n);
      h.total += Number(r.n);
    }
    const a = { open: 0, acknowledged: 0, closed: 0 } as Overview['alerts'];
    for (const r of alerts) a[r.status as AlertStatus] = Number(r.n);
    return {
      hosts: h,
      openFindings: sev,
      openFindingsByCategory: cat,
      alerts: a,
    };
  }

  async countReports(): Promise<number> {
    return Number((await this.db.selectFrom('reports').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  }

  async listReports(
    agentId: string,
    limit: number,
  ): Promise<Array<{ reportId: string; sequence: number; kind: string; receivedAt: string; publicIp: string | null }>> {
    const rows = await this.db
      .selectFrom('reports')
      .select(['report_id', 'sequence', 'kind', 'received_at', 'public_ip'])
      .where('agent_id', '=', agentId)
      .orderBy('sequence', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      reportId: r.report_id,
      sequence: Number(r.sequence),
      kind: r.kind,
      receivedAt: r.received_at,
      publicIp: r.public_ip,
    }));
  }

  async countUsers(): Promise<number> {
    return Number((await this.db.selectFrom('users').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  }

  async createUser(u: { name: string; role: Role; passwordHash: string; at: string }): Promise<number> {
    const r = await this.db
      .insertInto('users')
      .values({ name: u.name, role: u.role, password_hash: u.passwordHash, created_at: u.at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async userByName(name: string): Promise<UserRow | undefined> {
    const u = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return u ? { id: Number(u.id), name: u.name, role: u.role as Role, passwordHash: u.password_hash } : undefined;
  }

  async createApiToken(t: { userId: number; name: string; tokenHash: string; at: string }): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({ user_id: t.userId, name: t.name, token_hash: t.tokenHash, created_at: t.at, revoked_at: null })
      .execute();
  }

  async userByTokenHash(tokenHash: string): Promise<UserRow | undefined> {
    const u = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['users.id', 'users.name', 'users.role', 'users.password_hash'])
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked_at', 'is', null)
      .executeTakeFirst();
    return u ? { id: Number(u.id), name: u.name, role: u.role as Role, passwordHash: u.password_hash } : undefined;
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({ at: e.at, actor: e.actor, action: e.action, target: e.target, detail: JSON.stringify(e.detail) })
      .execute();
  }

  async listAudit(limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      detail: parseJson<Record<string, unknown>>(r.detail, {}),
    }));
  }

  farmSettingsOrInit(json: string, at: string): Promise<string> {
    return farmTx.farmSettingsOrInit(this.db, json, at);
  }
  setFarmSettings(json: string, at: string): Promise<void> {
    return farmTx.setFarmSettings(this.db, json, at);
  }
  replaceFarmGroups(groups: Array<{ subject: string; severity: string; hostCount: number; body: unknown }>, at: string): Promise<void> {
    return farmTx.replaceFarmGroups(this.db, groups, at);
  }
  listFarmGroups(limit: number): Promise<FarmGroupRow[]> {
    return farmTx.listFarmGroups(this.db, limit);
  }
  listNotifiers(): Promise<NotifierRow[]> {
    return farmTx.listNotifiers(this.db);
  }
  putNotifier(name: string, config: unknown, at: string): Promise<void> {
    return farmTx.putNotifier(this.db, name, config, at);
  }
  deleteNotifier(name: string): Promise<boolean> {
    return farmTx.deleteNotifier(this.db, name);
  }
  claimAlertNotification(id: number, at: string, notifiers?: string[]): Promise<boolean> {
    return notifyTx.claimAlertNotification(this.db, id, at, notifiers);
  }
  alertNotificationsDue(
    notifiers: string[] | undefined,
    now: string,
    limit: number,
  ): Promise<Array<AlertNotificationRow & { alert: AlertRow }>> {
    return notifyTx.alertNotificationsDue(this.db, notifiers, now, limit);
  }
  takeAlertNotification(id: number, dueAt: string, until: string): Promise<boolean> {
    return notifyTx.takeAlertNotification(this.db, id, dueAt, until);
  }
  alertNotificationDelivered(id: number, at: string): Promise<void> {
    return notifyTx.alertNotificationDelivered(this.db, id, at);
  }
  alertNotificationFailed(
    id: number,
    o: { nextAttemptAt: string; error: string; gaveUp: boolean; at: string; dueAt?: string },
  ): Promise<void> {
    return notifyTx.alertNotificationFailed(this.db, id, o);
  }
  alertNotificationsOrphaned(configured: string[], before: string, at: string): Promise<AlertNotificationRow[]> {
    return notifyTx.alertNotificationsOrphaned(this.db, configured, before, at);
  }
  alertNotifications(alertIds: number[]): Promise<AlertNotificationRow[]> {
    return notifyTx.alertNotifications(this.db, alertIds);
  }
  alertNotificationCounts(): Promise<Record<string, NotifierCounts>> {
    return notifyTx.alertNotificationCounts(this.db);
  }

  consoleHosts(
    f: ConsoleHostFilter,
    sort: ConsoleHostSort,
    page: { offset: number; limit: number; count?: boolean },
  ): Promise<{ total: number; rows: ConsoleHostRow[] }> {
    return consoleQ.consoleHosts(this.db, f, sort, page);
  }
  hostsByMaxSeverity(): Promise<Record<string, number>> {
    return consoleQ.hostsByMaxSeverity(this.db);
  }
  overviewCounts(): ReturnType<Store['overviewCounts']> {
    return consoleQ.overviewCounts(this.db);
  }
  toolSummaries(hostsPerTool: number, maxTools?: number): Promise<ToolSummaryRow[]> {
    return consoleQ.toolSummaries(this.db, hostsPerTool, maxTools);
  }
  hostFacets(cap: number): Promise<{ os: string[]; users: string[]; tools: { toolId: string; toolName: string }[] }> {
    return consoleQ.hostFacets(this.db, cap);
  }
  dailyTrend(now: Date, days: number): Promise<Array<{ day: string; findings: number; silent: number }>> {
    return consoleQ.dailyTrend(this.db, now, days);
  }
  alertState(id: number): Promise<{ status: string; rule: string; subject: string } | undefined> {
    return admin.alertState(this.db, id);
  }
  agentKeys(limit: number, agentId?: string): Promise<{ total: number; rows: AgentKeyRow[] }> {
    return admin.agentKeys(this.db, limit, agentId);
  }
  listUsers(): Promise<UserSummaryRow[]> {
    return admin.listUsers(this.db);
  }
  setUserRole(name: string, role: Role): Promise<boolean> {
    return admin.setUserRole(this.db, name, role);
  }
  deleteUser(name: string): Promise<boolean> {
    return admin.deleteUser(this.db, name);
  }
  countAdmins(): Promise<number> {
    return admin.countAdmins(this.db);
  }
  listApiTokens(limit: number): Promise<ApiTokenRow[]> {
    return admin.listApiTokens(this.db, limit);
  }
  revokeApiToken(id: number, at: string): Promise<ApiTokenRow | undefined> {
    return admin.revokeApiToken(this.db, id, at);
  }
  putSetting(key: string, value: string): Promise<void> {
    return admin.putSetting(this.db, key, value);
  }
  alertsToNotify(limit: number): Promise<AlertRow[]> {
    return deliveryTx.alertsToNotify(this.db, limit);
  }
  siemStart(): Promise<void> {
    return deliveryTx.siemStart(this.db);
  }
  siemBacklog(settledBefore: string, limit: number): Promise<SiemBacklog> {
    return deliveryTx.siemBacklog(this.db, settledBefore, limit);
  }
  siemEnqueue(o: {
    items: OutboxInsert[];
    cursor: number;
    nextCursor: number;
    alerts: Array<{ id: number; notifiedAt: string }>;
    at: string;
  }): Promise<number> {
    return deliveryTx.siemEnqueue(this.db, o);
  }
  siemDue(sink: string, now: string, limit: number): Promise<OutboxRow[]> {
    return deliveryTx.siemDue(this.db, sink, now, limit);
  }
  siemDelivered(ids: number[]): Promise<void> {
    return deliveryTx.siemDelivered(this.db, ids);
  }
  siemFailed(ids: number[], o: { nextAttemptAt: string; error: string; dead: boolean; at: string }): Promise<void> {
    return deliveryTx.siemFailed(this.db, ids, o);
  }
  siemCounts(): Promise<Record<string, SiemSinkCounts>> {
    return deliveryTx.siemCounts(this.db);
  }
  siemTrim(sink: string, max: number): Promise<number> {
    return deliveryTx.siemTrim(this.db, sink, max);
  }
  sessionGet(tokenHash: string, now: string): Promise<SessionRow | undefined> {
    return sessionsTx.sessionGet(this.db, tokenHash, now);
  }
  sessionPut(s: Parameters<Store['sessionPut']>[0]): Promise<void> {
    return sessionsTx.sessionPut(this.db, s);
  }
  sessionDelete(tokenHash: string): Promise<void> {
    return sessionsTx.sessionDelete(this.db, tokenHash);
  }
  purgeSessions(now: string, failuresBefore: string): Promise<number> {
    return sessionsTx.purgeSessions(this.db, now, failuresBefore);
  }
  loginFailures(keys: string[], since: string): Promise<Array<{ key: string; at: string }>> {
    return sessionsTx.loginFailures(this.db, keys, since);
  }
  recordLoginFailure(keys: string[], at: string, prune: string): Promise<void> {
    return sessionsTx.recordLoginFailure(this.db, keys, at, prune);
  }
  clearLoginFailures(key: string): Promise<void> {
    return sessionsTx.clearLoginFailures(this.db, key);
  }
}
