// The console as one node:http request handler the server mounts. Every route names the role it needs;
// every POST checks the session's CSRF token before anything else runs; every response carries a strict
// CSP (no script at all, styles only from the console's own stylesheet).
import { errorLine } from '../../agent/log-line.ts';
import { clean } from '../../agent/text.ts';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Route, type RouteContext, routes } from './routes.ts';
import type { ConsoleAuthenticator, ConsoleData, Role } from './data.ts';
import type { Html } from './html.ts';
import { allowed } from './layout.ts';
import { errorPage, loginPage } from './pages/login.ts';
import { DEFAULT_LOGIN_LIMITS, LoginRateLimiter, type LoginLimiter, type LoginLimits } from './rate-limit.ts';
import { BadRequest, cookies, readForm, type Form } from './request.ts';
import { sameToken } from '../api/passwords.ts';
import { expired, MemorySessions, newSession, SESSION_MAX_MS, type Session, type SessionStore } from './session.ts';

export interface ConsoleOptions {
  data: ConsoleData;
  auth: ConsoleAuthenticator;
  sessions?: SessionStore; // default: this process's memory
  basePath?: string; // where the server mounts the console, e.g. "/console"; default ""
  /** Secure cookies (default true). Only a plain-HTTP loopback test may turn this off. */
  secureCookies?: boolean;
  /** The client's address as the server trusts it (it knows its reverse proxy); default the socket's. */
  clientIp?: (req: IncomingMessage) => string;
  loginLimits?: LoginLimits;
  /** Failed sign-ins; default this process's memory with loginLimits. */
  limiter?: LoginLimiter;
  now?: () => Date;
  log?: (line: string) => void;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS = readFileSync(new URL('./static/console.css', import.meta.url));

function headers(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

export function send(res: ServerResponse, status: number, body: Html | string, type = 'text/html; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(typeof body === 'string' ? body : body.value);
}

function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new BadRequest('Malformed address.');
  }
}

export function createConsole(opts: ConsoleOptions): ConsoleHandler {
  const base = (opts.basePath ?? '').replace(/\/+$/, '');
  const sessions = opts.sessions ?? new MemorySessions();
  const secure = opts.secureCookies ?? true;
  const cookieName = secure ? '__Host-ratwatch' : 'ratwatch_session';
  const limiter = opts.limiter ?? new LoginRateLimiter(opts.loginLimits ?? DEFAULT_LOGIN_LIMITS);
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clientIp = opts.clientIp ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? '?');
  const table = routes();

  function setCookie(res: ServerResponse, s: Session | undefined): void {
    const attrs = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    res.setHeader(
      'Set-Cookie',
      s ? `${cookieName}=${s.id}; Max-Age=${SESSION_MAX_MS / 1000}; ${attrs}` : `${cookieName}=; Max-Age=0; ${attrs}`,
    );
  }

  async function loadSession(req: IncomingMessage, t: number): Promise<Session | undefined> {
    const id = cookies(req).get(cookieName);
    if (!id || id.length > 100) return undefined;
    const s = await sessions.get(id);
    if (!s) return undefined;
    if (expired(s, t)) {
      await sessions.delete(id);
      return undefined;
    }
    return s;
  }

  function redirect(res: ServerResponse, path: string): void {
    res.statusCode = 303;
    res.setHeader('Location', base + path);
    res.end();
  }

  async function login(req: IncomingMessage, res: ServerResponse, session: Session | undefined, t: number): Promise<void> {
    if (req.method === 'GET') {
      if (session?.user) return redirect(res, '/');
      const s = session ?? newSession(undefined, t);
      await sessions.put(s);
      setCookie(res, s);
      return send(res, 200, loginPage(base, s.csrf));
    }
    const form = await readForm(req, 16 * 1024);
    if (!session || !sameToken(form.fields.get('_csrf') ?? '', session.csrf)) {
      return send(res, 403, errorPage(base, 403, 'The sign-in form expired. Open the sign-in page again.'));
    }
    const username = (form.fields.get('username') ?? '').trim().slice(0, 100);
    const password = form.fields.get('password') ?? '';
    const ip = clientIp(req);
    const wait = await limiter.retryAfter(ip, username, t);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return send(res, 429, loginPage(base, session.csrf, `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} min.`, username));
    }
    const user = username && password ? await opts.auth.verify(username, password) : undefined;
    if (!user) {
      await limiter.fail(ip, username, t);
      log(`console: failed sign-in for ${JSON.stringify(username)} from ${ip}`);
      return send(res, 401, loginPage(base, session.csrf, 'Wrong user name or password.', username));
    }
    await limiter.succeed(ip, username);
    await sessions.delete(session.id); // a new id at sign-in: a planted pre-login cookie is worth nothing
    const s = newSession(user, t);
    await sessions.put(s);
    setCookie(res, s);
    redirect(res, '/');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    headers(res);
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    if (base && !(url.pathname === base || url.pathname.startsWith(base + '/')))
      return send(res, 404, errorPage(base, 404, 'No such page.'));
    const path = url.pathname.slice(base.length) || '/';
    const method = req.method ?? 'GET';
    if (path === '/static/console.css' && (method === 'GET' || method === 'HEAD')) {
      res.setHeader('Cache-Control', 'no-cache');
      return send(res, 200, CSS.toString('utf8'), 'text/css; charset=utf-8');
    }
    if (path === '/favicon.ico') {
      res.statusCode = 204;
      return void res.end();
    }
    const t = now().getTime();
    const session = await loadSession(req, t);
    if (path === '/login' && (method === 'GET' || method === 'POST')) return login(req, res, session, t);

    let route: Route | undefined;
    let params: string[] = [];
    for (const r of table) {
      const m = r.method === method ? r.pattern.exec(path) : null;
      if (m) {
        route = r;
        params = m.slice(1).map(decodeParam);
        break;
      }
    }
    if (!route) {
      const other = table.some((r) => r.pattern.test(path));
      return send(res, other ? 405 : 404, errorPage(base, other ? 405 : 404, other ? 'That action is not allowed here.' : 'No such page.'));
    }
    if (!session?.user) {
      if (method === 'GET') return redirect(res, '/login');
      return send(res, 403, errorPage(base, 403, 'Your session ended. Sign in again.'));
    }
    const user = session.user;
    if (!allowed(user, route.role as Role)) return send(res, 403, errorPage(base, 403, 'This page is for admins only.'));

    let form: Form | undefined;
    if (method === 'POST') {
      form = await readForm(req);
      if (!sameToken(form.fields.get('_csrf') ?? '', session.csrf)) {
        log(`console: refused a form without its CSRF token from ${user.name} to ${path}`);
        return send(res, 403, errorPage(base, 403, 'The form expired or did not come from this console. Reload the page and try again.'));
      }
    }
    session.lastSeen = t;
    const flash = method === 'GET' ? session.flash : undefined;
    if (method === 'GET') session.flash = undefined;
    await sessions.put(session);

    if (route.name === 'logout') {
      await sessions.delete(session.id);
      setCookie(res, undefined);
      return redirect(res, '/login');
    }
    const ctx: RouteContext = {
      req,
      res,
      params,
      url,
      form,
      user,
      session,
      data: opts.data,
      base,
      page: { user, csrf: session.csrf, base, now: new Date(t), flash },
      done: async (outcome, to) => {
        session.flash = outcome.ok ? { ok: outcome.message ?? 'Done.' } : { error: outcome.error };
        await sessions.put(session);
        redirect(res, to);
      },
    };
    await route.run(ctx);
  }

  return async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof BadRequest) return send(res, err.status, errorPage(base, err.status, err.message));
      log(`console: ${req.method} ${clean(String(req.url), 200)}: ${errorLine(err)}`);
      send(res, 500, errorPage(base, 500, 'Something went wrong on the server; the server log has the details.'));
    }
  };
}
