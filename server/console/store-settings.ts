// ConsoleData's writes on the server's store: alerts, enrollment, agent keys, the farm settings (office
// networks, expected regions), notifiers, people, API tokens and retention. Each successful admin action
// is written to the audit log, named like the JSON API's (alert.acknowledged, agent.revoke, user.create...).
import { errorLine } from '../../agent/log-line.ts';
import { moveAlert } from '../alerts/status.ts';
import { createUser, issueApiToken, revokeAgentKey } from '../api/admin-actions.ts';
import { canonicalMac } from '../farm/net.ts';
import type { ExpectedRegion, FarmSettings } from '../farm/types.ts';
import { farmSettingsJson, loadFarmSettings } from '../jobs/farm-round.ts';
import { createNotifier, type NotifierConfig, type NotifyAlert } from '../notify/index.ts';
import type { Store } from '../store/types.ts';
import type {
  AgentKey,
  AgentSetup,
  AlertStatus,
  ApiToken,
  AuditRecord,
  EnrollmentSecret,
  ExpectedRegionRow,
  Notifier,
  NotifierKind,
  OfficeNetwork,
  OfficeNetworkKind,
  Retention,
  Role,
  UserSummary,
  WriteResult,
} from './data.ts';
import type { EnrollmentSecrets } from '../enrollment-secrets.ts';

export interface StoreConsoleOptions {
  store: Store;
  now: () => Date;
  log: (line: string) => void;
  /** How agents reach this server, for the "deploy an agent" empty state. */
  setup: { serverUrl: string; caFile?: string; caFingerprint?: string };
  enrollment: EnrollmentSecrets;
  /** The farm settings the server config seeds (used only when the database has none yet). */
  farmSeed: Partial<FarmSettings>;
  /** Notifiers of the server config: listed and testable, not removable here. */
  configNotifiers: NotifierConfig[];
  /** One laptop-farm round now (the periodic job's farm round). */
  evaluateFarms: () => Promise<void>;
  /** Retention: the stored value, the server's periodic job reads it through this. */
  retention: { get(): number; set(days: number): Promise<void> };
}

const OFFICE_META = 'console.officeNetworks'; // settings row: id -> who added it, when, why
const CONFIG_PREFIX = 'config:';

const ok = (message: string): WriteResult => ({ ok: true, message });
const refuse = (error: string): WriteResult => ({ ok: false, error });

type OfficeMeta = Record<string, { note?: string | undefined; addedBy: string; addedAt: string }>;

function officeLists(s: FarmSettings): Record<OfficeNetworkKind, string[]> {
  return { cidr: s.office.cidrs, 'gateway-mac': s.office.gatewayMacs, bssid: s.office.bssids, 'vpn-egress': s.vpnEgressIps };
}

/** What the console shows of a notifier: where it goes, never its secret (a Slack URL's path is one). */
function notifierView(id: string, c: NotifierConfig): Notifier {
  const origin = (u: string) => {
    try {
      return `${new URL(u).origin}/…`;
    } catch {
      return '?';
    }
  };
  const target = c.type === 'email' ? c.to.join(', ') : c.type === 'slack' ? origin(c.url) : c.url;
  return { id, kind: c.type, name: c.name ?? c.type, target, enabled: true };
}

export class StoreConsoleSettings {
  constructor(protected readonly o: StoreConsoleOptions) {}

  protected at(): string {
    return this.o.now().toISOString();
  }

  protected async audit(by: string, action: string, target: string, detail: Record<string, unknown> = {}): Promise<void> {
    await this.o.store.audit({ at: this.at(), actor: by, action, target, detail });
  }

  /** The console's alert forms: the moves, role and audit entry are server/alerts/status.ts's, as for the API. */
  async moveAlert(id: string, to: AlertStatus, by: { name: string; role: Role }, note?: string): Promise<WriteResult> {
    const r = await moveAlert(this.o.store, { id, to, by, at: this.at(), note });
    return r.ok ? ok(r.message) : refuse(r.error);
  }

  async agentSetup(role: Role): Promise<AgentSetup> {
    const { serverUrl, caFile, caFingerprint } = this.o.setup;
    const secret = role === 'admin' ? this.o.enrollment.current() : '<ask an admin for the enrollment secret>';
    const config = [
      'endpoint:',
      `  url: ${serverUrl}/v1/reports`,
      ...(caFile ? ['  caFile: /etc/ratwatch/server-ca.pem'] : []),
      '  tokenFile: /var/lib/ratwatch/spool/agent-key   # written by `ratwatch enroll`',
      '',
      `# then once per laptop: RATWATCH_ENROLL_SECRET=${secret} ratwatch enroll`,
    ].join('\n');
    return { serverUrl, caFile, caFingerprint, config };
  }

  enrollmentSecrets(): Promise<EnrollmentSecret[]> {
    return this.o.enrollment.list();
  }
  async createEnrollmentSecret(label: string, by: string): Promise<WriteResult> {
    const r = await this.o.enrollment.rotate(label, by);
    if (!r.ok) return r;
    await this.audit(by, 'enrollment.rotate', 'enrollment', { label });
    return r;
  }
  async revokeEnrollmentSecret(id: string, by: string): Promise<WriteResult> {
    const r = await this.o.enrollment.revoke(id, by);
    if (r.ok) await this.audit(by, 'enrollment.revoke', 'enrollment', { id });
    return r;
  }

  async agentKeys(limit: number): Promise<{ total: number; rows: AgentKey[] }> {
    const r = await this.o.store.agentKeys(limit);
    return {
      total: r.total,
      rows: r.rows.map((k) => ({
        agentId: k.agentId,
        hostname: k.hostname,
        enrolledAt: k.enrolledAt,
        lastUsed: k.lastUsed ?? undefined,
        revokedAt: k.revokedAt ?? undefined,
      })),
    };
  }
  async revokeAgentKey(agentId: string, by: string): Promise<WriteResult> {
    return revokeAgentKey(this.o.store, agentId, by, this.at());
  }

  private settings(): Promise<FarmSettings> {
    return loadFarmSettings(this.o.store, this.o.farmSeed, this.at());
  }
  private reading: Promise<FarmSettings> | undefined;
  /** For reads only: calls made at once share one load (the settings page lists office networks and regions together). */
  private settingsToRead(): Promise<FarmSettings> {
    this.reading ??= this.settings().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }
  private async saveSettings(s: FarmSettings): Promise<void> {
    await this.o.store.setFarmSettings(farmSettingsJson(s), this.at());
  }
  private async officeMeta(): Promise<OfficeMeta> {
    try {
      return JSON.parse(await this.o.store.settingOrInit(OFFICE_META, '{}')) as OfficeMeta;
    } catch {
      return {};
    }
  }

  async officeNetworks(): Promise<OfficeNetwork[]> {
    const [s, meta] = await Promise.all([this.settingsToRead(), this.officeMeta()]);
    const out: OfficeNetwork[] = [];
    for (const [kind, list] of Object.entries(officeLists(s)) as Array<[OfficeNetworkKind, string[]]>) {
      for (const value of list) {
        const id = `${kind}:${value}`;
        const m = meta[id];
        out.push({ id, kind, value, note: m?.note, addedBy: m?.addedBy ?? 'server settings', addedAt: m?.addedAt ?? '' });
      }
    }
    return out;
  }

  async addOfficeNetwork(n: { kind: OfficeNetworkKind; value: string; note?: string }, by: string): Promise<WriteResult> {
    const s = await this.settings();
    const value = n.kind === 'gateway-mac' || n.kind === 'bssid' ? canonicalMac(n.value) : n.value.toLowerCase();
    if (!value) return refuse(`"${n.value.slice(0, 60)}" is not a usable MAC address.`);
    const list = officeLists(s)[n.kind];
    if (list.some((v) => v.toLowerCase() === value)) return refuse('That network is already listed.');
    list.push(value);
    try {
      await this.saveSettings(s);
    } catch (e) {
      return refuse(errorLine(e));
    }
    const meta = await this.officeMeta();
    meta[`${n.kind}:${value}`] = { note: n.note, addedBy: by, addedAt: this.at() };
    await this.o.store.putSetting(OFFICE_META, JSON.stringify(meta));
    await this.audit(by, 'office.add', `${n.kind}:${value}`, n.note ? { note: n.note } : {});
    await this.o.evaluateFarms();
    return ok(`Office network ${value} added.`);
  }

  async removeOfficeNetwork(id: string, by: string): Promise<WriteResult> {
    const s = await this.settings();
    const i = id.indexOf(':');
    const kind = id.slice(0, i) as OfficeNetworkKind;
    const list = officeLists(s)[kind];
    const at = list ? list.indexOf(id.slice(i + 1)) : -1;
    if (at < 0) return refuse('No such network.');
    list.splice(at, 1);
    await this.saveSettings(s);
    await this.audit(by, 'office.remove', id);
    await this.o.evaluateFarms();
    return ok('Office network removed.');
  }

  async expectedRegions(): Promise<ExpectedRegionRow[]> {
    const r = (await this.settingsToRead()).expectedRegions;
    const entries = r instanceof Map ? [...r] : Object.entries(r);
    return entries.map(([user, e]) => ({ user, countries: e.countries ?? [], timezones: e.timezones ?? [] }));
  }

  async replaceExpectedRegions(rows: ExpectedRegionRow[], by: string): Promise<WriteResult> {
    const s = await this.settings();
    const regions: Record<string, ExpectedRegion> = {};
    for (const r of rows)
      regions[r.user] = {
        ...(r.countries.length ? { countries: r.countries } : {}),
        ...(r.timezones.length ? { timezones: r.timezones } : {}),
      };
    s.expectedRegions = regions;
    try {
      await this.saveSettings(s);
    } catch (e) {
      return refuse(errorLine(e));
    }
    await this.audit(by, 'regions.replace', 'expected-regions', { users: rows.length });
    await this.o.evaluateFarms();
    return ok(`Expected regions replaced: ${rows.length} users.`);
  }

  private async notifierConfigs(): Promise<Array<{ id: string; config: NotifierConfig; fromConfig: boolean }>> {
    const stored = (await this.o.store.listNotifiers()).map((r) => ({
      id: r.name,
      config: { ...(r.config as NotifierConfig), name: r.name },
      fromConfig: false,
    }));
    const fixed = this.o.configNotifiers.map((c, i) => ({ id: `${CONFIG_PREFIX}${c.name ?? i}`, config: c, fromConfig: true }));
    return [...fixed, ...stored];
  }

  async notifiers(): Promise<Notifier[]> {
    return (await this.notifierConfigs()).map((n) => notifierView(n.id, n.config));
  }

  async addNotifier(n: { kind: NotifierKind; name: string; target: string; secret?: string }, by: string): Promise<WriteResult> {
    if (n.name.startsWith(CONFIG_PREFIX)) return refuse(`A notifier name may not start with "${CONFIG_PREFIX}".`);
    if ((await this.notifierConfigs()).some((c) => (c.config.name ?? '') === n.name)) return refuse('A notifier of that name exists.');
    let config: NotifierConfig;
    if (n.kind === 'webhook') {
      if (!n.secret || n.secret.length < 16) return refuse('A webhook needs a signing secret of at least 16 characters.');
      config = { type: 'webhook', name: n.name, url: n.target, secret: n.secret };
    } else if (n.kind === 'slack') {
      config = { type: 'slack', name: n.name, url: n.target };
    } else {
      // Mail needs an SMTP relay: the console reuses the one of the server config's mail notifier.
      const relay = this.o.configNotifiers.find((c): c is Extract<NotifierConfig, { type: 'email' }> => c.type === 'email');
      if (!relay) return refuse('Mail notifiers need an SMTP relay: add an email notifier to the server settings file first.');
      config = { ...relay, name: n.name, to: [n.target] };
    }
    try {
      createNotifier(config);
    } catch (e) {
      return refuse(errorLine(e));
    }
    await this.o.store.putNotifier(n.name, config, this.at());
    await this.audit(by, 'notifier.add', `notifier:${n.name}`, { kind: n.kind });
    return ok(`Notifier ${n.name} added.`);
  }

  async removeNotifier(id: string, by: string): Promise<WriteResult> {
    if (id.startsWith(CONFIG_PREFIX)) return refuse('This notifier comes from the server settings file; remove it there.');
    if (!(await this.o.store.deleteNotifier(id))) return refuse('No such notifier.');
    await this.audit(by, 'notifier.remove', `notifier:${id}`);
    return ok('Notifier removed.');
  }

  async testNotifier(id: string, by: string): Promise<WriteResult> {
    const n = (await this.notifierConfigs()).find((c) => c.id === id);
    if (!n) return refuse('No such notifier.');
    const alert: NotifyAlert = {
      id: 'test',
      rule: 'region-mismatch',
      subject: 'console-test',
      severity: 'info',
      title: `Test notification from the ratwatch console, sent by ${by}`,
      explanation: { kind: 'region', host: { agentId: 'test', hostname: 'no host: this is a test' }, mismatches: [] },
      agentIds: [],
    };
    await this.audit(by, 'notifier.test', `notifier:${n.config.name ?? id}`);
    try {
      await createNotifier({ ...n.config, retries: 0, timeoutMs: 10_000 }, this.o.log).send(alert);
    } catch (e) {
      return refuse(`The test did not arrive: ${errorLine(e)}`);
    }
    return ok(`Test sent to ${n.config.name ?? id}.`);
  }

  async users(): Promise<UserSummary[]> {
    return (await this.o.store.listUsers()).map((u) => ({ name: u.name, role: u.role, createdAt: u.createdAt }));
  }
  async createUser(u: { name: string; role: Role; password: string }, by: string): Promise<WriteResult> {
    return createUser(this.o.store, u, by, this.at());
  }
  async setUserRole(name: string, role: Role, by: string): Promise<WriteResult> {
    const u = await this.o.store.userByName(name);
    if (!u) return refuse('No such user.');
    if (u.role === 'admin' && role !== 'admin' && (await this.o.store.countAdmins()) <= 1)
      return refuse('The last admin keeps the admin role.');
    await this.o.store.setUserRole(name, role);
    await this.audit(by, 'user.role', `user:${name}`, { role });
    return ok(`${name} is now ${role}.`);
  }
  async deleteUser(name: string, by: string): Promise<WriteResult> {
    const u = await this.o.store.userByName(name);
    if (!u) return refuse('No such user.');
    if (u.role === 'admin' && (await this.o.store.countAdmins()) <= 1) return refuse('The last admin cannot be deleted.');
    await this.o.store.deleteUser(name);
    await this.audit(by, 'user.delete', `user:${name}`);
    return ok(`User ${name} deleted; their API tokens no longer work.`);
  }

  async retention(): Promise<Retention> {
    return { reportDays: this.o.retention.get() };
  }
  async setRetention(r: Retention, by: string): Promise<WriteResult> {
    await this.o.retention.set(r.reportDays);
    await this.audit(by, 'retention.set', 'retention', { reportDays: r.reportDays });
    return ok(`Reports are kept ${r.reportDays} days.`);
  }

  async evaluateGroups(by: string): Promise<WriteResult> {
    await this.o.evaluateFarms();
    await this.audit(by, 'farm.evaluate', 'groups');
    return ok('Laptop-farm groups evaluated with the latest reports.');
  }

  async apiTokens(): Promise<ApiToken[]> {
    return (await this.o.store.listApiTokens(1000)).map((t) => ({ ...t, id: String(t.id) }));
  }
  async createApiToken(t: { user: string; name: string }, by: string): Promise<WriteResult> {
    const u = await this.o.store.userByName(t.user);
    if (!u) return refuse('No such user.');
    const { token } = await issueApiToken(this.o.store, u, t.name, by, this.at());
    return ok(`New API token for ${u.name} (shown once): ${token}`);
  }
  async revokeApiToken(id: string, by: string): Promise<WriteResult> {
    const n = Number(id);
    const t = Number.isSafeInteger(n) ? await this.o.store.revokeApiToken(n, this.at()) : undefined;
    if (!t) return refuse('No such token, or it is already revoked.');
    await this.audit(by, 'token.revoke', `user:${t.user}`, { name: t.name, id: n });
    return ok(`API token ${t.name} of ${t.user} revoked.`);
  }
  auditLog(limit: number): Promise<AuditRecord[]> {
    return this.o.store.listAudit(limit);
  }
}
