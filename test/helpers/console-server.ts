// The real ratwatch-server process (as `npm run server` starts it) with its console, on 127.0.0.1 over
// HTTPS with its generated self-signed pair, behind a "proxy" on loopback so seeded agents can each
// report from their own public address. SQLite in a temp data folder, or a PostgreSQL URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, stop, type ServerProcess } from './server/server-process.ts';
import { ConsoleClient } from './console-client.ts';

export const VIEWER = { username: 'victor', password: 'viewer password 1' };

export interface ConsoleServer {
  url: string;
  caFile: string;
  enrollSecret: string;
  admin: { username: string; password: string };
  proc: ServerProcess;
  /** A client signed in as the first admin. */
  adminClient(): Promise<ConsoleClient>;
  close(): Promise<void>;
}

export async function startConsoleServer(o: { databaseUrl?: string } = {}): Promise<ConsoleServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ratwatch-console-'));
  let proc: ServerProcess;
  try {
    proc = await spawnServer(['--data', dir, '--trust-proxy', '127.0.0.1', ...(o.databaseUrl ? ['--database', o.databaseUrl] : [])]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  if (!proc.admin) throw new Error('the server printed no first admin');
  const admin = { username: proc.admin.name, password: proc.admin.password };
  const s: ConsoleServer = {
    url: proc.url,
    caFile: proc.caFile,
    enrollSecret: proc.enrollSecret,
    admin,
    proc,
    async adminClient() {
      const c = new ConsoleClient(proc.url, proc.caFile);
      const res = await c.login(admin.username, admin.password);
      if (res.status !== 303) throw new Error(`admin sign-in: ${res.status}`);
      return c;
    },
    async close() {
      await stop(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return s;
}

/** Adds a user through the console's own settings form. */
export async function addUser(admin: ConsoleClient, name: string, role: 'admin' | 'viewer', password: string): Promise<void> {
  const res = await admin.request('/settings/users', { form: { _csrf: await admin.csrf('/settings'), name, role, password } });
  if (res.status !== 303) throw new Error(`add user ${name}: ${res.status}`);
}
