// The console on a real node:http server on 127.0.0.1 (port from listen(0)) over the in-memory fleet.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsole, type ConsoleOptions } from '../../server/console/handler.ts';
import { simulateFleet } from './console-fleet.ts';
import { MemoryConsoleData } from './console-memory.ts';

export const ADMIN = { username: 'alice', password: 'correct horse battery' };
export const VIEWER = { username: 'victor', password: 'viewer password 1' };

export interface RunningConsole {
  url: string;
  data: MemoryConsoleData;
  logs: string[];
  close(): Promise<void>;
}

export async function startConsole(opts: { ordinary?: number; data?: MemoryConsoleData } & Partial<ConsoleOptions> = {}): Promise<RunningConsole> {
  const fleet = simulateFleet(opts.ordinary ?? 40);
  const data = opts.data ?? new MemoryConsoleData(fleet);
  data.addUser(ADMIN.username, 'admin', ADMIN.password);
  data.addUser(VIEWER.username, 'viewer', VIEWER.password);
  const logs: string[] = [];
  const handler = createConsole({ data, auth: data, now: () => fleet.now, log: (l) => logs.push(l), ...opts });
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    data,
    logs,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
