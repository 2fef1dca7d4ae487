import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spoolFilePath } from '../spool/records.ts';

// One daemon per spool, for the daemon's whole life: two would interleave sequence numbers and deltas.
// A listening socket is a lock the kernel releases when its holder dies, even by kill -9, so there is
// no stale lock file to judge: on Linux an abstract socket named after the spool (nothing on disk), on
// other Unixes a socket file in the spool (a leftover one refuses connections and is replaced), on
// Windows a named pipe.

export class DaemonBusyError extends Error {
  constructor(dir: string) {
    super(`spool ${dir} is already used by another ratwatch daemon; stop it first (one daemon per spool)`);
    this.name = 'DaemonBusyError';
  }
}

function address(dir: string): string {
  const id = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 32);
  if (process.platform === 'win32') return `\\\\.\\pipe\\ratwatch-daemon-${id}`;
  if (process.platform === 'linux') return `\0ratwatch-daemon-${id}`;
  return spoolFilePath(dir, 'daemonSocket');
}

function listen(addr: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => sock.destroy());
    server.once('error', reject);
    server.listen(addr, () => {
      server.off('error', reject);
      server.unref(); // the lock never keeps the process alive by itself
      resolve(server);
    });
  });
}

function answers(addr: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(addr);
    const done = (alive: boolean) => {
      s.destroy();
      resolve(alive);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(2000, () => done(true)); // a holder too busy to accept is still a holder
  });
}

export interface DaemonLock {
  release(): Promise<void>;
}

/** Takes the spool's daemon lock or throws DaemonBusyError. The spool folder must exist. */
export async function acquireDaemonLock(dir: string): Promise<DaemonLock> {
  const addr = address(dir);
  let server: net.Server;
  try {
    server = await listen(addr);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    const fileSocket = !addr.startsWith('\0') && !addr.startsWith('\\\\');
    if (!fileSocket || (await answers(addr))) throw new DaemonBusyError(dir);
    // A socket file left by a daemon that died: nobody listens on it any more
    fs.rmSync(addr, { force: true });
    try {
      server = await listen(addr);
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new DaemonBusyError(dir);
      throw e2;
    }
  }
  return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
