// Page load of the console's Overview and Hosts pages with 10,000 hosts through the real ratwatch-server
// (startServer: the console on the server's own listener, the real store), signed in over HTTP on
// 127.0.0.1. The fleet is the simulated farm fleet of the tests, ingested through the store's ingest
// transaction (the HTTP ingest path is bench-server's part). Prints figures only; nothing passes or fails.
// Usage: tsx scripts/bench-console.ts [--hosts N] [--runs N] [--postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultConfig, startServer } from '../server/app.ts';
import { ConsoleClient } from '../test/helpers/console-client.ts';
import { consoleFleet, plannedReports } from '../test/helpers/console-fleet.ts';
import { startPostgres } from '../test/helpers/server/postgres.ts';
import { item } from '../test/helpers/server/reports.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  return Number.isInteger(v) && v > 0 && v <= 1_000_000 ? v : dflt;
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** Page-load figures of the console on one database; exported for bench-server to call. */
export async function benchConsolePages(o: {
  hosts: number;
  runs: number;
  databaseUrl?: string | undefined;
  label: string;
}): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ratwatch-bench-console-'));
  const srv = await startServer(
    defaultConfig({
      dataDir,
      databaseUrl: o.databaseUrl,
      host: '127.0.0.1',
      port: 0,
      tls: 'none',
      periodicIntervalMs: 3600_000,
      log: () => undefined,
    }),
  );
  try {
    const fleet = consoleFleet(Math.max(0, o.hosts - 57));
    const t0 = performance.now();
    const items = fleet.flatMap((h) => plannedReports(h).map((r) => item(r, h.ip)));
    for (let i = 0; i < items.length; i += 256) await srv.store.ingest(items.slice(i, i + 256), 3600);
    const client = new ConsoleClient(srv.url);
    if ((await client.login(srv.firstAdmin!.name, srv.firstAdmin!.password)).status !== 303) throw new Error('sign-in failed');
    await client.request('/groups/evaluate', { form: { _csrf: await client.csrf('/groups') } });
    const seeded = ((performance.now() - t0) / 1000).toFixed(1);
    const get = (p: string) => async () => {
      const r = await client.request(p);
      if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
    };
    console.log(
      `console page load, ${o.label}: ${fleet.length} hosts (${items.length} reports, loaded and evaluated in ${seeded} s), ${o.runs} runs each`,
    );
    for (const [label, p] of [
      ['Overview  GET /', '/'],
      ['Hosts     GET /hosts (by severity)', '/hosts'],
      ['Hosts     GET /hosts?sort=hostname&page=100', '/hosts?sort=hostname&page=100'],
      ['Hosts     GET /hosts?q=home12&os=windows', '/hosts?q=home12&os=windows'],
      ['Hosts     GET /hosts?tool=teamviewer&severity=high', '/hosts?tool=teamviewer&severity=high'],
      ['Host      GET /hosts/farm0', '/hosts/farm0'],
      ['Tools     GET /tools', '/tools'],
      ['Groups    GET /groups', '/groups'],
    ] as const) {
      console.log(`  ${label.padEnd(48)} ${stats(await time(o.runs, get(p)))}`);
    }
  } finally {
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const hosts = arg('--hosts', 10_000);
  const runs = arg('--runs', 20);
  console.log(`Node ${process.version}; goal: Overview and Hosts under 200 ms`);
  await benchConsolePages({ hosts, runs, label: 'SQLite' });
  if (process.argv.includes('--postgres')) {
    const pg = await startPostgres();
    try {
      await benchConsolePages({ hosts, runs, databaseUrl: await pg.createDatabase(), label: 'PostgreSQL' });
    } finally {
      pg.stop();
    }
  }
}
