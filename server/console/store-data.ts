// ConsoleData on the server's store: the pages' reads. Writes and settings are in store-settings.ts; every
// admin action there goes to the store's audit log with the signed-in person as its actor.
import type { Severity } from '../../agent/model.ts';
import { SEVERITIES } from '../../agent/policy/types.ts';
import { verifyPassword } from '../api/passwords.ts';
import type { Store } from '../store/types.ts';
import type {
  Alert,
  AlertStatus,
  ConsoleAuthenticator,
  ConsoleUser,
  FarmGroup,
  HostDetail,
  HostFilter,
  HostRow,
  HostSort,
  Overview,
  Page,
  ToolSummary,
} from './data.ts';
import { StoreConsoleSettings } from './store-settings.ts';

const TREND_DAYS = 30;
const HOST_FINDINGS = 200;
const HOST_EVENTS = 200;
const TOOL_HOSTS = 50;
const TOP_TOOLS = 5; // on the overview
const FACET_CAP = 500;
const ALERTS_SHOWN = 500;
const FACETS_MS = 30_000;
const GROUPS_SHOWN = 500;

const zero = (): Record<Severity, number> => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;

/** A stored server/farm FarmGroup (the same shape as the console's); anything unreadable is left out. */
function consoleGroup(g: unknown): FarmGroup | undefined {
  const v = g as Partial<FarmGroup> | null;
  if (!v || typeof v.subject !== 'string' || !Array.isArray(v.hosts) || !Array.isArray(v.networks)) return undefined;
  return { rules: [], agentIds: [], distinctUsers: 0, hostCount: v.hosts.length, severity: 'info', ...v } as FarmGroup;
}

export class StoreConsoleData extends StoreConsoleSettings implements ConsoleAuthenticator {
  private facets?: { at: number; value: Awaited<ReturnType<Store['hostFacets']>> };

  async verify(name: string, password: string): Promise<ConsoleUser | undefined> {
    const u = await this.o.store.userByName(name);
    // A missing user still costs one scrypt, so timing does not tell which names exist.
    const ok = await verifyPassword(
      password,
      u?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    return u && ok ? { id: u.id, name: u.name, role: u.role } : undefined;
  }

  async overview(now: Date): Promise<Overview> {
    const s: Store = this.o.store;
    const [c, bySev, tools, trend] = await Promise.all([
      s.overviewCounts(),
      s.hostsByMaxSeverity(),
      s.toolSummaries(0, TOP_TOOLS),
      s.dailyTrend(now, TREND_DAYS),
    ]);
    const h = c.hosts;
    const sev = (m: Record<string, number>) =>
      ({ ...zero(), ...Object.fromEntries(Object.entries(m).filter(([k]) => k in zero())) }) as Record<Severity, number>;
    return {
      hosts: {
        total: (h.online ?? 0) + (h.offline ?? 0) + (h.silent ?? 0),
        online: h.online ?? 0,
        offline: h.offline ?? 0,
        silent: h.silent ?? 0,
      },
      hostsBySeverity: sev(bySev),
      topTools: tools.map((t) => ({ toolId: t.toolId, toolName: t.toolName, category: t.category, hosts: t.hostCount })),
      alerts: { open: c.alerts.open ?? 0, acknowledged: c.alerts.acknowledged ?? 0, openBySeverity: sev(c.openAlertsBySeverity) },
      groups: { total: Object.values(c.groupsBySeverity).reduce((a, b) => a + b, 0), bySeverity: sev(c.groupsBySeverity) },
      trend,
    };
  }

  async listHosts(f: HostFilter, sort: HostSort, page: Page): Promise<{ total: number; rows: HostRow[] }> {
    const r = await this.o.store.consoleHosts(f, sort, page);
    return { total: r.total, rows: r.rows.map((h) => ({ ...h, maxSeverity: h.maxSeverity as Severity | null })) };
  }

  async host(agentId: string): Promise<HostDetail | undefined> {
    const s = this.o.store;
    const h = await s.getHost(agentId);
    if (!h) return undefined;
    const [open, resolved, events, key, groups] = await Promise.all([
      s.listFindings({ agentId, open: true, limit: HOST_FINDINGS, offset: 0 }),
      s.listFindings({ agentId, open: false, limit: HOST_FINDINGS, offset: 0 }),
      s.timeline(agentId, HOST_EVENTS),
      s.agentKeys(1, agentId),
      s.listFarmGroups(GROUPS_SHOWN),
    ]);
    let max = -1;
    for (const f of open) max = Math.max(max, SEVERITIES.indexOf(f.severity as Severity));
    return {
      ...h,
      maxSeverity: max >= 0 ? SEVERITIES[max] : null,
      tools: [...new Set(open.map((f) => f.tool.name))],
      findings: [...open, ...resolved],
      timeline: events,
      groups: groups.filter((g) => ((g.group as { agentIds?: string[] }).agentIds ?? []).includes(agentId)).map((g) => g.subject),
      keyRevokedAt: key.rows[0]?.revokedAt ?? null,
    };
  }

  /** Drop-down suggestions, not data: kept FACETS_MS so the hosts page does not scan every host each time. */
  async hostFacets() {
    const t = Date.now();
    if (!this.facets || t - this.facets.at > FACETS_MS) this.facets = { at: t, value: await this.o.store.hostFacets(FACET_CAP) };
    return this.facets.value;
  }

  async tools(): Promise<ToolSummary[]> {
    return (await this.o.store.toolSummaries(TOOL_HOSTS)).map((t) => ({ ...t, maxSeverity: t.maxSeverity as Severity }));
  }

  async groups(): Promise<FarmGroup[]> {
    return (await this.o.store.listFarmGroups(GROUPS_SHOWN)).map((g) => consoleGroup(g.group)).filter((g): g is FarmGroup => !!g);
  }

  async alerts(filter: { status?: AlertStatus }): Promise<Alert[]> {
    const alerts = await this.o.store.listAlerts({ status: filter.status, limit: ALERTS_SHOWN, offset: 0 });
    const rows = await this.o.store.alertNotifications(alerts.map((a) => a.id));
    const latest = new Map<number, string>(); // alert id -> claim time of its newest notification
    for (const r of rows) if (r.notifiedAt > (latest.get(r.alertId) ?? '')) latest.set(r.alertId, r.notifiedAt);
    return alerts.map((a) => ({
      ...a,
      undelivered: rows
        .filter((r) => r.alertId === a.id && r.notifiedAt === latest.get(a.id) && !r.deliveredAt)
        .map((r) => ({ notifier: r.notifier, gaveUp: !!r.gaveUpAt, nextAttemptAt: r.nextAttemptAt, lastError: r.lastError })),
    }));
  }
}
