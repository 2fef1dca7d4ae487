// The console inside ratwatch-server: same listener, the agents' /v1/*, /healthz and the JSON /api/* go to
// the server's handler, every other path to the console (mounted at /). Sign-in checks the users table;
// sessions and the sign-in limiter live in the database (store-sessions.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createConsole } from './handler.ts';
import { StoreConsoleData } from './store-data.ts';
import { StoreLoginLimiter, StoreSessions } from './store-sessions.ts';
import type { StoreConsoleOptions } from './store-settings.ts';

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export function isServerPath(pathname: string): boolean {
  return pathname.startsWith('/v1/') || pathname === '/healthz' || pathname.startsWith('/api/');
}

export interface MountOptions extends StoreConsoleOptions {
  secureCookies: boolean;
  clientIp: (req: IncomingMessage) => string;
}

export function withConsole(server: Listener, o: MountOptions): { listener: Listener; data: StoreConsoleData } {
  const data = new StoreConsoleData(o);
  // Sessions and failed sign-ins in the database: any instance on it accepts a session another created.
  const consoleHandler = createConsole({
    data,
    auth: data,
    sessions: new StoreSessions(o.store, o.now),
    limiter: new StoreLoginLimiter(o.store),
    secureCookies: o.secureCookies,
    clientIp: o.clientIp,
    now: o.now,
    log: o.log,
  });
  const listener: Listener = (req, res) => {
    const q = (req.url ?? '/').indexOf('?');
    const pathname = q < 0 ? (req.url ?? '/') : (req.url ?? '/').slice(0, q);
    if (isServerPath(pathname)) return server(req, res);
    void consoleHandler(req, res);
  };
  return { listener, data };
}
