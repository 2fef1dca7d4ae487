import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonBody, sendCsv, sendJson } from '../http/respond.ts';
import type { Store, UserRow } from '../store/types.ts';
import { moveAlert, NOTE_MAX } from '../alerts/status.ts';
import { alertKey } from '../siem/encode.ts';
import { ALERT_STATUSES } from '../vocabulary.ts';
import { createUser, issueApiToken, revokeAgentKey, type ActionResult } from './admin-actions.ts';
import { authenticatePerson, requireAdmin } from './auth.ts';

// The JSON read API (and the few admin actions) under /api. Every list takes limit/offset and, where a
// spreadsheet makes sense, format=csv. Admin actions are written to the audit log.

export interface ApiContext {
  store: Store;
  now: () => Date;
  /** Names of the SIEM sinks the server config forwards to (listed by GET /api/siem even when idle). */
  siemSinks?: readonly string[] | undefined;
}

const MAX_LIMIT = 1000;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function page(q: URLSearchParams): { limit: number; offset: number } {
  const limit = q.has('limit') ? Number(q.get('limit')) : 100;
  const offset = q.has('offset') ? Number(q.get('offset')) : 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new HttpError(400, `limit must be 1-${MAX_LIMIT}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > 10_000_000) throw new HttpError(400, 'offset must be a non-negative integer');
  return { limit, offset };
}

function opt(q: URLSearchParams, name: string, allowed?: readonly string[]): string | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > 200) throw new HttpError(400, `${name} is too long`);
  if (allowed && !allowed.includes(v)) throw new HttpError(400, `${name} must be one of ${allowed.join(', ')}`);
  return v;
}

const csv = (q: URLSearchParams) => q.get('format') === 'csv';

/** A JSON body that must be an object (null, an array or a number is a 400, not a crash). */
async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const v = await readJsonBody(req);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A shared admin action's refusal as the API's error (status and one line). */
function orThrow(r: ActionResult): void {
  if (!r.ok) throw new HttpError(r.status, r.error);
}

export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<void> {
  const user = await authenticatePerson(req, ctx.store);
  const parts = url.pathname
    .split('/')
    .filter(Boolean)
    .slice(1)
    .map((p) => decodeURIComponent(p));
  const q = url.searchParams;
  const route = `${req.method} /${parts.map((p, i) => (i === 1 && parts[0] !== 'tokens' ? ':id' : p)).join('/')}`;
  const s = ctx.store;
  const at = () => ctx.now().toISOString();

  switch (route) {
    case 'GET /overview':
      return sendJson(res, 200, await s.overview());
    case 'GET /hosts': {
      const rows = await s.listHosts({
        status: opt(q, 'status', ['online', 'offline', 'silent']),
        os: opt(q, 'os'),
        q: opt(q, 'q'),
        ...page(q),
      });
      if (csv(q)) {
        return sendCsv(
          res,
          'hosts',
          [
            'agentId',
            'hostname',
            'os',
            'osVersion',
            'user',
            'agentVersion',
            'status',
            'firstSeen',
            'lastSeen',
            'openFindings',
            'publicIp',
            'timezone',
            'locale',
          ],
          rows.map((h) => ({ ...h, timezone: h.context.timezone, locale: h.context.locale })),
        );
      }
      return sendJson(res, 200, { hosts: rows });
    }
    case 'GET /hosts/:id': {
      const h = await s.getHost(parts[1]);
      if (!h) throw new HttpError(404, 'no such host');
      return sendJson(res, 200, { host: h });
    }
    case 'GET /hosts/:id/timeline':
      return sendJson(res, 200, { events: await s.timeline(parts[1], page(q).limit) });
    case 'GET /hosts/:id/reports':
      return sendJson(res, 200, { reports: await s.listReports(parts[1], page(q).limit) });
    case 'GET /hosts/:id/context':
      return sendJson(res, 200, { context: await s.contextHistory(parts[1], page(q).limit) });
    case 'GET /findings': {
      const open = q.get('open') === 'true' ? true : q.get('open') === 'false' ? false : undefined;
      const rows = await s.listFindings({
        agentId: opt(q, 'agent'),
        severity: opt(q, 'severity', ['info', 'low', 'medium', 'high', 'critical']),
        category: opt(q, 'category'),
        toolId: opt(q, 'tool'),
        open,
        ...page(q),
      });
      if (csv(q)) {
        return sendCsv(
          res,
          'findings',
          [
            'agentId',
            'hostname',
            'findingId',
            'toolId',
            'toolName',
            'category',
            'severity',
            'state',
            'firstSeen',
            'lastSeen',
            'resolvedAt',
            'resolvedReason',
          ],
          rows.map((f) => ({ ...f, toolId: f.tool.id, toolName: f.tool.name, category: f.tool.category })),
        );
      }
      return sendJson(res, 200, { findings: rows });
    }
    case 'GET /alerts': {
      const rows = await s.listAlerts({ status: opt(q, 'status', ALERT_STATUSES), rule: opt(q, 'rule'), ...page(q) });
      if (csv(q))
        return sendCsv(
          res,
          'alerts',
          ['id', 'rule', 'subject', 'severity', 'status', 'title', 'firstSeen', 'lastSeen', 'occurrences', 'ackBy', 'closedBy'],
          rows as never,
        );
      return sendJson(res, 200, { alerts: rows });
    }
    case 'GET /alerts/:id/notifications': {
      // Each notification of the alert (one per claim and notifier): taken, waiting for its next try, or
      // given up, with the last error (server/notify/README.md, "Delivery").
      if (!/^[1-9][0-9]{0,15}$/.test(parts[1])) throw new HttpError(400, 'bad alert id');
      const rows = await s.alertNotifications([Number(parts[1])]);
      return sendJson(res, 200, {
        notifications: rows.map((r) => ({
          notificationId: alertKey({ id: r.alertId, notifiedAt: r.notifiedAt }),
          notifier: r.notifier,
          state: r.deliveredAt ? 'delivered' : r.gaveUpAt ? 'gave-up' : 'waiting',
          attempts: r.attempts,
          nextAttemptAt: r.deliveredAt || r.gaveUpAt ? null : r.nextAttemptAt,
          deliveredAt: r.deliveredAt,
          gaveUpAt: r.gaveUpAt,
          lastError: r.lastError,
        })),
      });
    }
    case 'GET /notifications':
      // Per notifier (viewers too: the notifiers' health): notifications waiting for a later round now, since
      // when the oldest waits, and notifications delivered and given up, ever.
      return sendJson(res, 200, { notifiers: await s.alertNotificationCounts() });
    case 'POST /alerts/:id': {
      // Body {status, note?}: the allowed moves, the role and the audit entry are server/alerts/status.ts's.
      requireAdmin(user);
      const body = await readObject(req);
      if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > NOTE_MAX))
        throw new HttpError(400, `note must be a string of at most ${NOTE_MAX} characters`);
      orThrow(
        await moveAlert(s, { id: parts[1], to: String(body.status ?? ''), by: user, at: at(), note: body.note as string | undefined }),
      );
      return sendJson(res, 200, { ok: true });
    }
    case 'GET /groups': {
      const hours = q.has('hours') ? Number(q.get('hours')) : 24;
      const min = q.has('min') ? Number(q.get('min')) : 2;
      if (!(hours > 0 && hours <= 24 * 366) || !Number.isInteger(min) || min < 2)
        throw new HttpError(400, 'hours must be 0-8784 and min an integer >= 2');
      const groups = await s.networkGroups(new Date(ctx.now().getTime() - hours * 3600_000).toISOString(), min);
      if (csv(q)) return sendCsv(res, 'groups', ['kind', 'value', 'hostCount', 'agentIds'], groups as never);
      return sendJson(res, 200, { groups });
    }
    case 'POST /agents/:id/revoke': {
      requireAdmin(user);
      if (!ID.test(parts[1])) throw new HttpError(400, 'bad agent id');
      orThrow(await revokeAgentKey(s, parts[1], user.name, at()));
      return sendJson(res, 200, { ok: true });
    }
    case 'POST /users': {
      requireAdmin(user);
      const b = await readObject(req);
      const str = (v: unknown) => (typeof v === 'string' ? v : '');
      orThrow(await createUser(s, { name: str(b.name), role: str(b.role), password: str(b.password) }, user.name, at()));
      return sendJson(res, 201, { ok: true });
    }
    case 'POST /tokens': {
      const b = await readObject(req);
      const name = typeof b.name === 'string' && b.name.length <= 100 ? b.name : 'api token';
      return sendJson(res, 201, await issueApiToken(s, user, name, user.name, at(), user.role === 'admin'));
    }
    case 'GET /siem': {
      // Per SIEM sink (viewers too: it is the forwarder's health): events waiting and refused for good now,
      // since when the oldest waits, and events delivered and dropped from a full outbox, ever. A sink no
      // longer configured is listed while its counts remain.
      const counts = await s.siemCounts();
      const configured = ctx.siemSinks ?? [];
      const names = [...new Set([...configured, ...Object.keys(counts).sort()])];
      const idle = { waiting: 0, dead: 0, delivered: 0, dropped: 0, oldestWaitingAt: null };
      return sendJson(res, 200, {
        sinks: Object.fromEntries(names.map((n) => [n, { configured: configured.includes(n), ...(counts[n] ?? idle) }])),
      });
    }
    case 'GET /audit':
      requireAdmin(user);
      return sendJson(res, 200, { audit: await s.listAudit(page(q).limit) });
    case 'GET /me':
      return sendJson(res, 200, { name: user.name, role: user.role } satisfies Partial<UserRow>);
    default:
      throw new HttpError(404, 'no such API route');
  }
}
