// npm run bench:server — on SQLite and PostgreSQL in one run: ingest throughput and latency for simulated
// agents over HTTPS on 127.0.0.1 (scripts/bench/server-ingest.ts), and the fleet overview API with a large
// seeded fleet (scripts/bench/server-api.ts), and the console's page loads through the real server with as many
// hosts (scripts/bench-console.ts; goal: Overview and Hosts under 200 ms). Prints figures; asserts nothing.
// BENCH_AGENTS (10000), BENCH_FINDINGS (1000000), BENCH_CONCURRENCY (64), BENCH_RATE (1000 reports/s
// offered in the open-loop runs; 0 skips them), BENCH_FRESH (0 skips the open-loop run on new connections, the
// longest), BENCH_DB (sqlite,postgres), BENCH_PARTS (ingest,api,console: which sections run),
// BENCH_COMMIT_INTERVAL (ms between group commit starts, the server's default unless given; 0: as before it existed),
// BENCH_CPU_PROFILE (a folder: the server's CPU profile of each ingest run goes there), BENCH_TIMELINE (a folder:
// per ingest run, each request's due, connect and answer times and the server's commits, event-loop stalls, GC
// pauses and SQLite log size, in one clock, as JSON, to see what a slow request coincided with). Each ingest run also
// prints where the server's time went (scripts/bench/server-probe.ts) and the load generator's and the
// machine's CPU: the load generator shares the cores with the server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { defaultConfig, startServer } from '../server/app.ts';
import { DEFAULT_LIMITS } from '../server/ingest/receive.ts';
import { openPostgres, openSqlite } from '../server/store/open.ts';
import { startPostgres } from '../test/helpers/server/postgres.ts';
import { benchApi } from './bench/server-api.ts';
import { benchIngest } from './bench/server-ingest.ts';
import { benchConsolePages } from './bench-console.ts';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const FRESH = process.env.BENCH_FRESH !== '0';
const KINDS = (process.env.BENCH_DB ?? 'sqlite,postgres').split(',');
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE || undefined;
const TIMELINE_DIR = process.env.BENCH_TIMELINE || undefined;
const PARTS = new Set((process.env.BENCH_PARTS ?? 'ingest,api,console').split(','));

async function bench(kind: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ratwatch-bench-'));
  const pg = kind === 'postgres' ? await startPostgres() : undefined;
  const databaseUrl = pg ? await pg.createDatabase() : undefined;
  // Reports are signed (PROTOCOL.md v2) as a deployment with an HMAC key has them: verifying is part of ingest.
  const hmacKey = randomBytes(32);
  const hmacKeyFile = join(dir, 'hmac.key');
  writeFileSync(hmacKeyFile, hmacKey, { mode: 0o600 });
  // Reports are signed when generated, before the runs: on a loaded machine a run can outlast the 300 s
  // replay window, so the window is widened here (the check itself still runs on every report).
  const limits = { ...DEFAULT_LIMITS, maxClockSkewS: 3 * 3600 };
  const srv = await startServer(
    defaultConfig({
      dataDir: dir,
      databaseUrl,
      hmacKeyFile,
      limits,
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      periodicIntervalMs: 3600_000,
      maxQueue: 100_000,
      ...(process.env.BENCH_COMMIT_INTERVAL ? { commitIntervalMs: Number(process.env.BENCH_COMMIT_INTERVAL) } : {}),
    }),
  );
  const db = databaseUrl ? openPostgres(databaseUrl, 4) : openSqlite(join(dir, 'ratwatch.sqlite'));
  try {
    const ca = readFileSync(srv.caFile!);
    if (PARTS.has('ingest'))
      await benchIngest({
        label: kind,
        ingestUrl: srv.ingestUrl,
        ca,
        hmacKey,
        store: srv.store,
        databaseUrl,
        db,
        profileDir: PROFILE_DIR,
        timelineDir: TIMELINE_DIR,
        agents: AGENTS,
        concurrency: CONCURRENCY,
        rate: RATE,
        fresh: FRESH,
      });
    if (PARTS.has('api')) await benchApi({ label: kind, url: srv.url, ca, admin: srv.firstAdmin!, db, findings: FINDINGS, hosts: AGENTS });
    if (PARTS.has('console'))
      await benchConsolePages({ hosts: AGENTS, runs: 10, databaseUrl: pg ? await pg.createDatabase() : undefined, label: kind });
  } finally {
    await db.db.destroy();
    await srv.close();
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
console.log(
  `bench:server on ${os.cpus().length} cores, load average ${load()}: a shared machine under other work, so figures are indicative, not a capacity rating.`,
);
for (const k of KINDS) {
  await bench(k);
  console.log(`(load average after ${k}: ${load()})`);
}
