import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// A real PostgreSQL for the server tests: Debian's binaries (scripts/setup-test-host.sh installs
// `postgresql`), a throwaway cluster in a temp folder, run as the unprivileged `postgres` user, on a free
// port of 127.0.0.1. Nothing here skips: a missing or broken PostgreSQL fails the test with the reason.

export interface Postgres {
  url(db: string): string;
  createDatabase(): Promise<string>;
  stop(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length)
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run scripts/setup-test-host.sh (Debian package postgresql)',
    );
  return join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let counter = 0;

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'ratwatch-pg-'));
  const data = join(dir, 'data');
  const asPostgres = (prog: string, args: string[]) => {
    const argv =
      process.getuid?.() === 0
        ? (['/usr/sbin/runuser', ['-u', 'postgres', '--', join(bin, prog), ...args]] as const)
        : ([join(bin, prog), args] as const);
    try {
      return execFileSync(argv[0], [...argv[1]], { stdio: 'pipe', timeout: 120_000 }).toString();
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`PostgreSQL ${prog} failed: ${(err.stderr?.toString() || err.message).trim().split('\n').slice(-3).join(' | ')}`);
    }
  };
  if (process.getuid?.() === 0)
    chownSync(
      dir,
      Number(execFileSync('/usr/bin/id', ['-u', 'postgres']).toString()),
      Number(execFileSync('/usr/bin/id', ['-g', 'postgres']).toString()),
    );
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ]);
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    url,
    async createDatabase() {
      const name = `rw_${process.pid}_${++counter}`;
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      await c.query(`create database ${name}`);
      await c.end();
      return url(name);
    },
    stop() {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
