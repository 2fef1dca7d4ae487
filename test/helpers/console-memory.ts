// ConsoleData in memory over a simulated fleet, for the console's tests and benchmark until the server's
// store implements the interface. Groups are recomputed from gateway MACs minus the office allow-list,
// so adding an office network in Settings visibly changes the Groups page. Users have scrypt hashes.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Severity } from '../../agent/model.ts';
import { SEVERITIES } from '../../agent/policy/types.ts';
import type {
  AgentKey, Alert, ConsoleAuthenticator, ConsoleData, ConsoleUser, EnrollmentSecret, ExpectedRegionRow, FarmGroup, HostDetail,
  HostFilter, HostRow, HostSort, Notifier, OfficeNetwork, Overview, Page, Retention, Role, ToolSummary, UserSummary, WriteResult,
} from '../../server/console/data.ts';
import type { SimFleet, SimHost } from './console-fleet.ts';

const rank = (s: string | null | undefined) => (s ? SEVERITIES.indexOf(s as Severity) : -1);
const zero = (): Record<Severity, number> => ({ info: 0, low: 0, medium: 0, high: 0, critical: 0 });

function hash(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}
function verifyHash(password: string, stored: string): boolean {
  const [salt, key] = stored.split(':');
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'hex'), 32), Buffer.from(key, 'hex'));
}

export class MemoryConsoleData implements ConsoleData, ConsoleAuthenticator {
  readonly hosts: SimHost[];
  readonly alertList: Alert[];
  readonly office: OfficeNetwork[] = [];
  regions: ExpectedRegionRow[] = [];
  readonly notifierList: Notifier[] = [];
  readonly secrets: EnrollmentSecret[] = [];
  readonly revokedKeys = new Map<string, string>();
  readonly userMap = new Map<string, { role: Role; hash: string; createdAt: string; lastLogin?: string }>();
  readonly tests: { id: string; by: string }[] = []; // notifier tests "sent"
  readonly audit: string[] = [];
  retentionDays = 90;
  private seq = 0;

  constructor(private readonly fleet: SimFleet) {
    this.hosts = fleet.hosts;
    this.alertList = fleet.alerts;
  }

  private get nowIso(): string {
    return this.fleet.now.toISOString();
  }
  private ok(by: string, what: string, message?: string): WriteResult {
    this.audit.push(`${by}: ${what}`);
    return { ok: true, message };
  }

  addUser(name: string, role: Role, password: string): void {
    this.userMap.set(name, { role, hash: hash(password), createdAt: this.nowIso });
  }

  async verify(name: string, password: string): Promise<ConsoleUser | undefined> {
    const u = this.userMap.get(name);
    if (!u || !verifyHash(password, u.hash)) return undefined;
    u.lastLogin = this.nowIso;
    return { name, role: u.role };
  }

  private row(h: SimHost): HostRow {
    const open = h.findings.filter((f) => !f.resolvedAt);
    let max: Severity | undefined;
    for (const f of open) if (rank(f.severity) > rank(max)) max = f.severity as Severity;
    return {
      agentId: h.agentId, hostname: h.hostname, os: h.os, osVersion: h.osVersion, user: h.user, agentVersion: h.agentVersion, status: h.status,
      firstSeen: h.firstSeen, lastSeen: h.lastSeen, publicIp: h.publicIp, openFindings: open.length, maxSeverity: max, tools: open.map((f) => f.tool.name),
    };
  }

  async overview(): Promise<Overview> {
    const hosts = { total: this.hosts.length, online: 0, offline: 0, silent: 0 };
    const bySev = zero();
    const tools = new Map<string, { toolId: string; toolName: string; category: string; hosts: number }>();
    for (const h of this.hosts) {
      hosts[h.status]++;
      const r = this.row(h);
      if (r.maxSeverity) bySev[r.maxSeverity]++;
      for (const f of h.findings) {
        if (f.resolvedAt) continue;
        const t = tools.get(f.tool.id) ?? { toolId: f.tool.id, toolName: f.tool.name, category: String(f.tool.category), hosts: 0 };
        t.hosts++;
        tools.set(f.tool.id, t);
      }
    }
    const openBySeverity = zero();
    for (const a of this.alertList) if (a.status === 'open') openBySeverity[a.severity as Severity]++;
    const groups = await this.groups();
    const gSev = zero();
    for (const g of groups) gSev[g.severity]++;
    const findings = this.hosts.reduce((n, h) => n + h.findings.filter((f) => !f.resolvedAt).length, 0);
    const trend = Array.from({ length: 30 }, (_, i) => {
      const day = new Date(this.fleet.now.getTime() - (29 - i) * 86_400_000).toISOString().slice(0, 10);
      return { day, findings: Math.max(0, findings - Math.round((29 - i) * findings / 60) + (i % 4)), silent: hosts.silent + ((i * 7) % 3) };
    });
    return {
      hosts, hostsBySeverity: bySev,
      topTools: [...tools.values()].sort((a, b) => b.hosts - a.hosts).slice(0, 5),
      alerts: { open: this.alertList.filter((a) => a.status === 'open').length, acknowledged: this.alertList.filter((a) => a.status === 'acknowledged').length, openBySeverity },
      groups: { total: groups.length, bySeverity: gSev }, trend,
    };
  }

  async listHosts(f: HostFilter, sort: HostSort, page: Page): Promise<{ total: number; rows: HostRow[] }> {
    const q = f.q?.toLowerCase();
    const rows: HostRow[] = [];
    for (const h of this.hosts) {
      if (q && !(h.hostname.toLowerCase().includes(q) || (h.user ?? '').toLowerCase().includes(q) || h.agentId.includes(q))) continue;
      if (f.toolId && !h.findings.some((x) => !x.resolvedAt && x.tool.id === f.toolId)) continue;
      if (f.status && h.status !== f.status) continue;
      if (f.os && h.os !== f.os) continue;
      if (f.user && h.user !== f.user) continue;
      if (f.lastSeenAfter && h.lastSeen < f.lastSeenAfter) continue;
      if (f.lastSeenBefore && h.lastSeen >= f.lastSeenBefore) continue;
      const r = this.row(h);
      if (f.minSeverity && rank(r.maxSeverity) < rank(f.minSeverity)) continue;
      rows.push(r);
    }
    const key = (r: HostRow): string | number =>
      sort.key === 'severity' ? rank(r.maxSeverity) : sort.key === 'findings' ? r.openFindings : String(r[sort.key] ?? '');
    const dir = sort.dir === 'asc' ? 1 : -1;
    rows.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return (ka < kb ? -1 : ka > kb ? 1 : a.hostname < b.hostname ? -1 : 1) * dir;
    });
    return { total: rows.length, rows: rows.slice(page.offset, page.offset + page.limit) };
  }

  async host(agentId: string): Promise<HostDetail | undefined> {
    const h = this.hosts.find((x) => x.agentId === agentId);
    if (!h) return undefined;
    const groups = (await this.groups()).filter((g) => g.hosts.some((x) => x.agentId === agentId)).map((g) => g.subject);
    return { ...this.row(h), context: { ...h.context }, findings: h.findings, timeline: h.timeline, groups, expectedIntervalS: 3600, privileged: true, keyRevokedAt: this.revokedKeys.get(agentId) };
  }

  async hostFacets() {
    const tools = new Map<string, string>();
    for (const h of this.hosts) for (const f of h.findings) tools.set(f.tool.id, f.tool.name);
    return {
      os: [...new Set(this.hosts.map((h) => h.os))].sort(),
      users: [...new Set(this.hosts.map((h) => h.user).filter((u): u is string => !!u))].sort().slice(0, 500),
      tools: [...tools].map(([toolId, toolName]) => ({ toolId, toolName })),
    };
  }

  async tools(): Promise<ToolSummary[]> {
    const out = new Map<string, ToolSummary>();
    for (const h of this.hosts) {
      for (const f of h.findings) {
        if (f.resolvedAt) continue;
        const t = out.get(f.tool.id) ?? { toolId: f.tool.id, toolName: f.tool.name, category: f.tool.category, maxSeverity: f.severity as Severity, hostCount: 0, hosts: [], firstSeen: f.firstSeen };
        t.hostCount++;
        if (t.hosts.length < 50) t.hosts.push({ agentId: h.agentId, hostname: h.hostname });
        if (f.firstSeen < t.firstSeen) t.firstSeen = f.firstSeen;
        if (rank(f.severity) > rank(t.maxSeverity)) t.maxSeverity = f.severity as Severity;
        out.set(f.tool.id, t);
      }
    }
    return [...out.values()].sort((a, b) => b.hostCount - a.hostCount);
  }

  async groups(): Promise<FarmGroup[]> {
    const allowed = new Set(this.office.filter((o) => o.kind === 'gateway-mac').map((o) => o.value.toLowerCase().replace(/-/g, ':')));
    const byMac = new Map<string, SimHost[]>();
    for (const h of this.hosts) {
      const mac = h.context.defaultGatewayMac;
      if (!mac || allowed.has(mac)) continue;
      byMac.set(mac, [...(byMac.get(mac) ?? []), h]);
    }
    const groups: FarmGroup[] = [];
    for (const [mac, hs] of byMac) {
      const users = [...new Set(hs.map((h) => h.user ?? `?${h.agentId}`))];
      if (users.length < 2) continue;
      const hosts = hs.map((h) => ({
        agentId: h.agentId, hostname: h.hostname, user: h.user,
        remoteAccess: h.findings.filter((f) => !f.resolvedAt).map((f) => ({ toolId: f.tool.id, toolName: f.tool.name, category: f.tool.category, severity: f.severity as Severity })),
      }));
      const ra = hosts.some((h) => h.remoteAccess.length);
      groups.push({
        subject: `farm:gateway-mac:${mac}`, severity: ra || users.length >= 3 ? 'critical' : 'high',
        rules: ra ? ['shared-network', 'remote-access-in-group'] : ['shared-network'],
        networks: [{ kind: 'gateway-mac', value: mac, agentIds: hs.map((h) => h.agentId), users }], hosts, distinctUsers: users.length,
      });
    }
    return groups;
  }

  async alerts(filter: { status?: Alert['status'] }): Promise<Alert[]> {
    return this.alertList.filter((a) => !filter.status || a.status === filter.status);
  }
  async ackAlert(id: string, by: string): Promise<WriteResult> {
    const a = this.alertList.find((x) => x.id === id);
    if (!a) return { ok: false, error: 'No such alert.' };
    if (a.status !== 'open') return { ok: false, error: `The alert is already ${a.status}.` };
    Object.assign(a, { status: 'acknowledged', ackBy: by, ackAt: this.nowIso });
    return this.ok(by, `ack ${id}`, 'Alert acknowledged.');
  }
  async closeAlert(id: string, by: string): Promise<WriteResult> {
    const a = this.alertList.find((x) => x.id === id);
    if (!a) return { ok: false, error: 'No such alert.' };
    if (a.status === 'closed') return { ok: false, error: 'The alert is already closed.' };
    Object.assign(a, { status: 'closed', closedBy: by, closedAt: this.nowIso });
    return this.ok(by, `close ${id}`, 'Alert closed.');
  }

  async agentSetup(role: Role) {
    const secret = role === 'admin' ? 'enroll-0123456789abcdef' : '<ask an admin for the enrollment secret>';
    return {
      serverUrl: 'https://ratwatch.example:8443', caFile: '/etc/ratwatch/ca.pem', caFingerprint: 'SHA256:AB:CD:EF',
      config: `report:\n  endpoint: https://ratwatch.example:8443/v1/reports\n  caFile: /etc/ratwatch/ca.pem\n  enrollSecret: ${secret}\n`,
    };
  }
  async enrollmentSecrets() {
    return this.secrets;
  }
  async createEnrollmentSecret(label: string, by: string): Promise<WriteResult> {
    const secret = randomBytes(18).toString('base64url');
    this.secrets.push({ id: `s${++this.seq}`, label, createdAt: this.nowIso, createdBy: by, hint: secret.slice(-4) });
    return this.ok(by, `secret ${label}`, `New enrollment secret (shown once): ${secret}`);
  }
  async revokeEnrollmentSecret(id: string, by: string): Promise<WriteResult> {
    const s = this.secrets.find((x) => x.id === id);
    if (!s) return { ok: false, error: 'No such secret.' };
    s.revokedAt = this.nowIso;
    return this.ok(by, `revoke secret ${id}`, 'Secret revoked.');
  }
  async agentKeys(limit: number): Promise<{ total: number; rows: AgentKey[] }> {
    const rows = this.hosts.map((h) => ({ agentId: h.agentId, hostname: h.hostname, enrolledAt: h.firstSeen, lastUsed: h.lastSeen, revokedAt: this.revokedKeys.get(h.agentId) }));
    rows.reverse();
    return { total: rows.length, rows: rows.slice(0, limit) };
  }
  async revokeAgentKey(agentId: string, by: string): Promise<WriteResult> {
    if (!this.hosts.some((h) => h.agentId === agentId)) return { ok: false, error: 'No such agent.' };
    this.revokedKeys.set(agentId, this.nowIso);
    return this.ok(by, `revoke key ${agentId}`, 'Agent key revoked.');
  }
  async officeNetworks() {
    return this.office;
  }
  async addOfficeNetwork(n: { kind: OfficeNetwork['kind']; value: string; note?: string }, by: string): Promise<WriteResult> {
    const value = n.value.toLowerCase();
    if (this.office.some((o) => o.kind === n.kind && o.value === value)) return { ok: false, error: 'That network is already listed.' };
    this.office.push({ id: `o${++this.seq}`, kind: n.kind, value, note: n.note, addedBy: by, addedAt: this.nowIso });
    return this.ok(by, `office ${value}`, `Office network ${value} added.`);
  }
  async removeOfficeNetwork(id: string, by: string): Promise<WriteResult> {
    const i = this.office.findIndex((o) => o.id === id);
    if (i < 0) return { ok: false, error: 'No such network.' };
    this.office.splice(i, 1);
    return this.ok(by, `office remove ${id}`, 'Office network removed.');
  }
  async expectedRegions() {
    return this.regions;
  }
  async replaceExpectedRegions(rows: ExpectedRegionRow[], by: string): Promise<WriteResult> {
    this.regions = rows;
    return this.ok(by, `regions ${rows.length}`);
  }
  async notifiers() {
    return this.notifierList;
  }
  async addNotifier(n: { kind: Notifier['kind']; name: string; target: string }, by: string): Promise<WriteResult> {
    this.notifierList.push({ id: `n${++this.seq}`, kind: n.kind, name: n.name, target: n.target, enabled: true });
    return this.ok(by, `notifier ${n.name}`, `Notifier ${n.name} added.`);
  }
  async removeNotifier(id: string, by: string): Promise<WriteResult> {
    const i = this.notifierList.findIndex((o) => o.id === id);
    if (i < 0) return { ok: false, error: 'No such notifier.' };
    this.notifierList.splice(i, 1);
    return this.ok(by, `notifier remove ${id}`, 'Notifier removed.');
  }
  async testNotifier(id: string, by: string): Promise<WriteResult> {
    const n = this.notifierList.find((o) => o.id === id);
    if (!n) return { ok: false, error: 'No such notifier.' };
    this.tests.push({ id, by });
    return this.ok(by, `notifier test ${id}`, `Test sent to ${n.name}.`);
  }
  async users(): Promise<UserSummary[]> {
    return [...this.userMap].map(([name, u]) => ({ name, role: u.role, createdAt: u.createdAt, lastLogin: u.lastLogin }));
  }
  async createUser(u: { name: string; role: Role; password: string }, by: string): Promise<WriteResult> {
    if (this.userMap.has(u.name)) return { ok: false, error: 'That user exists.' };
    this.addUser(u.name, u.role, u.password);
    return this.ok(by, `user ${u.name}`, `User ${u.name} added.`);
  }
  async setUserRole(username: string, role: Role, by: string): Promise<WriteResult> {
    const u = this.userMap.get(username);
    if (!u) return { ok: false, error: 'No such user.' };
    u.role = role;
    return this.ok(by, `role ${username} ${role}`, `${username} is now ${role}.`);
  }
  async deleteUser(username: string, by: string): Promise<WriteResult> {
    if (!this.userMap.delete(username)) return { ok: false, error: 'No such user.' };
    return this.ok(by, `delete ${username}`, `User ${username} deleted.`);
  }
  async retention(): Promise<Retention> {
    return { reportDays: this.retentionDays };
  }
  async setRetention(r: Retention, by: string): Promise<WriteResult> {
    this.retentionDays = r.reportDays;
    return this.ok(by, `retention ${r.reportDays}`, `Reports are kept ${r.reportDays} days.`);
  }
}
