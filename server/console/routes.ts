// Every console route with the role it needs. Pages read ConsoleData and render; actions check their
// input, call one ConsoleData write with the signed-in user as its author, and redirect with the outcome.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOST_CSV_HEADER, hostCsvLine, parseExpectedRegions } from './csv.ts';
import {
  ALERT_STATUSES,
  NOTIFIER_KINDS,
  OFFICE_NETWORK_KINDS,
  ROLES,
  type AlertStatus,
  type ConsoleData,
  type ConsoleUser,
  type NotifierKind,
  type OfficeNetworkKind,
  type Role,
  type WriteResult,
} from './data.ts';
import { checkNotifierTarget, checkOfficeValue, checkPassword, checkUsername } from './form-checks.ts';
import type { PageContext } from './layout.ts';
import { ALERT_FORM_PATHS, alertsPage } from './pages/alerts.ts';
import { NOTE_MAX } from '../alerts/status.ts';
import { groupsPage } from './pages/groups.ts';
import { hostPage } from './pages/host.ts';
import { hostsPage, PAGE_SIZE, parseHostQuery } from './pages/hosts.ts';
import { errorPage } from './pages/login.ts';
import { overviewPage } from './pages/overview.ts';
import { settingsPage } from './pages/settings.ts';
import { toolsPage } from './pages/tools.ts';
import { auditPage } from './pages/audit.ts';
import { tokensPage } from './pages/tokens.ts';
import type { Form } from './request.ts';
import type { Session } from './session.ts';
import type { Html } from './html.ts';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  url: URL;
  form?: Form | undefined; // POST only, CSRF already checked
  user: ConsoleUser;
  session: Session;
  data: ConsoleData;
  base: string;
  page: PageContext;
  /** Ends an action: remembers its outcome for the next page and redirects there. */
  done(outcome: WriteResult, to: string): Promise<void>;
}

export interface Route {
  name: string;
  method: 'GET' | 'POST';
  pattern: RegExp;
  role: Role;
  run(ctx: RouteContext): Promise<void>;
}

const MAX_CSV_ROWS = 100_000;
const KEYS_SHOWN = 20;
const AUDIT_SHOWN = 500;

function html200(ctx: RouteContext, body: Html): void {
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Type', 'text/html; charset=utf-8');
  ctx.res.end(body.value);
}

function field(ctx: RouteContext, name: string, max = 500): string {
  return (ctx.form?.fields.get(name) ?? '').trim().slice(0, max);
}

function oneOf<T extends string>(v: string, list: readonly T[]): T | undefined {
  return (list as readonly string[]).includes(v) ? (v as T) : undefined;
}

const refuse = (error: string): WriteResult => ({ ok: false, error });

function action(
  name: string,
  pattern: RegExp,
  back: string | ((ctx: RouteContext) => string),
  run: (ctx: RouteContext) => Promise<WriteResult>,
): Route {
  return {
    name,
    method: 'POST',
    pattern,
    role: 'admin',
    run: async (ctx) => ctx.done(await run(ctx), typeof back === 'string' ? back : back(ctx)),
  };
}

export function routes(): Route[] {
  const by = (ctx: RouteContext) => ctx.user.name;
  return [
    { name: 'logout', method: 'POST', pattern: /^\/logout$/, role: 'viewer', run: async () => {} },
    {
      name: 'overview',
      method: 'GET',
      pattern: /^\/$/,
      role: 'viewer',
      run: async (ctx) => {
        const o = await ctx.data.overview(ctx.page.now);
        const setup = o.hosts.total === 0 ? await ctx.data.agentSetup(ctx.user.role) : undefined;
        html200(ctx, overviewPage(ctx.page, o, setup));
      },
    },
    {
      name: 'hosts',
      method: 'GET',
      pattern: /^\/hosts$/,
      role: 'viewer',
      run: async (ctx) => {
        const hq = parseHostQuery(ctx.url.searchParams, ctx.page.now);
        const [result, facets] = await Promise.all([
          ctx.data.listHosts(hq.filter, hq.sort, { offset: (hq.pageNo - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
          ctx.data.hostFacets(),
        ]);
        html200(ctx, hostsPage(ctx.page, hq, result, facets));
      },
    },
    {
      name: 'hosts.csv',
      method: 'GET',
      pattern: /^\/hosts\.csv$/,
      role: 'viewer',
      run: async (ctx) => {
        const hq = parseHostQuery(ctx.url.searchParams, ctx.page.now);
        const { res } = ctx;
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', 'attachment; filename="ratwatch-hosts.csv"');
        res.write(HOST_CSV_HEADER.join(',') + '\r\n');
        for (let offset = 0; offset < MAX_CSV_ROWS; offset += 1000) {
          const { rows } = await ctx.data.listHosts(hq.filter, hq.sort, { offset, limit: 1000, count: false });
          for (const h of rows) res.write(hostCsvLine(h));
          if (rows.length < 1000) break;
        }
        res.end();
      },
    },
    {
      name: 'host',
      method: 'GET',
      pattern: /^\/hosts\/([^/]{1,200})$/,
      role: 'viewer',
      run: async (ctx) => {
        const h = await ctx.data.host(ctx.params[0]);
        if (!h) {
          ctx.res.statusCode = 404;
          ctx.res.setHeader('Content-Type', 'text/html; charset=utf-8');
          return void ctx.res.end(errorPage(ctx.base, 404, 'No host with this agent id.').value);
        }
        html200(ctx, hostPage(ctx.page, h));
      },
    },
    {
      name: 'tools',
      method: 'GET',
      pattern: /^\/tools$/,
      role: 'viewer',
      run: async (ctx) => html200(ctx, toolsPage(ctx.page, await ctx.data.tools())),
    },
    {
      name: 'groups',
      method: 'GET',
      pattern: /^\/groups$/,
      role: 'viewer',
      run: async (ctx) => html200(ctx, groupsPage(ctx.page, await ctx.data.groups())),
    },
    {
      name: 'alerts',
      method: 'GET',
      pattern: /^\/alerts$/,
      role: 'viewer',
      run: async (ctx) => {
        const status = oneOf<AlertStatus>(ctx.url.searchParams.get('status') ?? '', ALERT_STATUSES);
        html200(ctx, alertsPage(ctx.page, await ctx.data.alerts({ status }), status));
      },
    },
    // One form per move (server/alerts/status.ts decides which are allowed and audits them).
    ...Object.entries(ALERT_FORM_PATHS).map(([to, verb]) =>
      action(`alert.${verb}`, new RegExp(`^/alerts/([^/]{1,200})/${verb}$`), '/alerts', (ctx) =>
        ctx.data.moveAlert(ctx.params[0], to as AlertStatus, ctx.user, field(ctx, 'note', NOTE_MAX) || undefined),
      ),
    ),
    {
      name: 'settings',
      method: 'GET',
      pattern: /^\/settings$/,
      role: 'admin',
      run: async (ctx) => {
        const d = ctx.data;
        const [secrets, keys, office, regions, notifiers, users, retention] = await Promise.all([
          d.enrollmentSecrets(),
          d.agentKeys(KEYS_SHOWN),
          d.officeNetworks(),
          d.expectedRegions(),
          d.notifiers(),
          d.users(),
          d.retention(),
        ]);
        html200(ctx, settingsPage(ctx.page, { secrets, keys, office, regions, notifiers, users, retention }));
      },
    },
    action('enrollment.create', /^\/settings\/enrollment$/, '/settings#enrollment', async (ctx) => {
      const label = field(ctx, 'label', 100);
      return label ? ctx.data.createEnrollmentSecret(label, by(ctx)) : refuse('Give the secret a label.');
    }),
    action('enrollment.revoke', /^\/settings\/enrollment\/([^/]{1,200})\/revoke$/, '/settings#enrollment', (ctx) =>
      ctx.data.revokeEnrollmentSecret(ctx.params[0], by(ctx)),
    ),
    action('key.revoke', /^\/settings\/keys\/([^/]{1,200})\/revoke$/, '/settings#keys', (ctx) =>
      ctx.data.revokeAgentKey(ctx.params[0], by(ctx)),
    ),
    action('key.revoke-by-id', /^\/settings\/keys\/revoke$/, '/settings#keys', async (ctx) => {
      const id = field(ctx, 'agentId', 200);
      return id ? ctx.data.revokeAgentKey(id, by(ctx)) : refuse('Give the agent id.');
    }),
    action(
      'host.key.revoke',
      /^\/hosts\/([^/]{1,200})\/revoke-key$/,
      (ctx) => `/hosts/${encodeURIComponent(ctx.params[0])}`,
      async (ctx) => ctx.data.revokeAgentKey(ctx.params[0], by(ctx)),
    ),
    action('office.add', /^\/settings\/office$/, '/settings#office', async (ctx) => {
      const kind = oneOf<OfficeNetworkKind>(field(ctx, 'kind'), OFFICE_NETWORK_KINDS);
      const value = field(ctx, 'value', 100);
      if (!kind) return refuse('Choose the kind of network.');
      const bad = checkOfficeValue(kind, value);
      return bad ? refuse(bad) : ctx.data.addOfficeNetwork({ kind, value, note: field(ctx, 'note', 200) || undefined }, by(ctx));
    }),
    action('office.remove', /^\/settings\/office\/([^/]{1,200})\/remove$/, '/settings#office', (ctx) =>
      ctx.data.removeOfficeNetwork(ctx.params[0], by(ctx)),
    ),
    action('regions.upload', /^\/settings\/regions$/, '/settings#regions', async (ctx) => {
      const file = ctx.form?.files.get('csv');
      if (!file?.content.trim()) return refuse('Choose a CSV file to upload.');
      const parsed = parseExpectedRegions(file.content);
      if ('error' in parsed) return refuse(parsed.error);
      const r = await ctx.data.replaceExpectedRegions(parsed.rows, by(ctx));
      return r.ok ? { ok: true, message: r.message ?? `Expected regions replaced: ${parsed.rows.length} users.` } : r;
    }),
    action('notifier.add', /^\/settings\/notifiers$/, '/settings#notifiers', async (ctx) => {
      const kind = oneOf<NotifierKind>(field(ctx, 'kind'), NOTIFIER_KINDS);
      const name = field(ctx, 'name', 100);
      const target = field(ctx, 'target', 500);
      if (!kind || !name) return refuse('Choose a kind and give the notifier a name.');
      const bad = checkNotifierTarget(kind, target);
      return bad ? refuse(bad) : ctx.data.addNotifier({ kind, name, target, secret: field(ctx, 'secret', 200) || undefined }, by(ctx));
    }),
    action('notifier.test', /^\/settings\/notifiers\/([^/]{1,200})\/test$/, '/settings#notifiers', (ctx) =>
      ctx.data.testNotifier(ctx.params[0], by(ctx)),
    ),
    action('notifier.remove', /^\/settings\/notifiers\/([^/]{1,200})\/remove$/, '/settings#notifiers', (ctx) =>
      ctx.data.removeNotifier(ctx.params[0], by(ctx)),
    ),
    action('user.create', /^\/settings\/users$/, '/settings#users', async (ctx) => {
      const name = field(ctx, 'name', 200);
      const role = oneOf<Role>(field(ctx, 'role'), ROLES);
      const password = ctx.form?.fields.get('password') ?? '';
      const bad = checkUsername(name) ?? (role ? undefined : 'Choose a role.') ?? checkPassword(password);
      return bad ? refuse(bad) : ctx.data.createUser({ name, role: role!, password }, by(ctx));
    }),
    action('user.role', /^\/settings\/users\/([^/]{1,200})\/role$/, '/settings#users', async (ctx) => {
      const role = oneOf<Role>(field(ctx, 'role'), ROLES);
      if (!role) return refuse('Choose a role.');
      if (ctx.params[0] === ctx.user.name) return refuse('You cannot change your own role; ask another admin.');
      return ctx.data.setUserRole(ctx.params[0], role, by(ctx));
    }),
    action('user.delete', /^\/settings\/users\/([^/]{1,200})\/delete$/, '/settings#users', async (ctx) =>
      ctx.params[0] === ctx.user.name ? refuse('You cannot delete yourself.') : ctx.data.deleteUser(ctx.params[0], by(ctx)),
    ),
    action('groups.evaluate', /^\/groups\/evaluate$/, '/groups', (ctx) => ctx.data.evaluateGroups(by(ctx))),
    {
      name: 'tokens',
      method: 'GET',
      pattern: /^\/tokens$/,
      role: 'admin',
      run: async (ctx) => {
        const [tokens, users] = await Promise.all([ctx.data.apiTokens(), ctx.data.users()]);
        html200(ctx, tokensPage(ctx.page, tokens, users));
      },
    },
    action('token.create', /^\/tokens$/, '/tokens', async (ctx) => {
      const name = field(ctx, 'name', 100);
      const user = field(ctx, 'user', 200) || ctx.user.name;
      return name ? ctx.data.createApiToken({ user, name }, by(ctx)) : refuse('Give the token a name.');
    }),
    action('token.revoke', /^\/tokens\/([^/]{1,200})\/revoke$/, '/tokens', (ctx) => ctx.data.revokeApiToken(ctx.params[0], by(ctx))),
    {
      name: 'audit',
      method: 'GET',
      pattern: /^\/audit$/,
      role: 'admin',
      run: async (ctx) => html200(ctx, auditPage(ctx.page, await ctx.data.auditLog(AUDIT_SHOWN), AUDIT_SHOWN)),
    },
    action('retention', /^\/settings\/retention$/, '/settings#retention', async (ctx) => {
      const days = Number(field(ctx, 'reportDays', 10));
      return Number.isInteger(days) && days >= 1 && days <= 3650
        ? ctx.data.setRetention({ reportDays: days }, by(ctx))
        : refuse('Keep reports between 1 and 3650 days.');
    }),
  ];
}
