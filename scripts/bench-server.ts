// npm run bench:server — ingest throughput and p99 for simulated agents (reports planned and encoded by
// the agent's own code, gzip as on the wire) over HTTPS on 127.0.0.1, and the fleet overview API with a
// large seeded fleet, on SQLite and PostgreSQL. Prints figures; asserts nothing.
// BENCH_AGENTS (10000), BENCH_FINDINGS (1000000), BENCH_CONCURRENCY (64), BENCH_DB (sqlite,postgres).
// The load generator runs in a worker thread (bench-server-client.mjs), off the server's event loop.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { encodeReport } from '../agent/report/encode.ts';
import { emptyState, planReport } from '../agent/report/plan.ts';
import { defaultConfig, startServer } from '../server/app.ts';
import { hashKey } from '../server/ingest/receive.ts';
import { openPostgres, openSqlite, type OpenedDb } from '../server/store/open.ts';
import { recountOpenFindings } from '../server/store/open-counts.ts';
import { finding, scanResult } from '../test/helpers/report-helpers.ts';
import { startPostgres } from '../test/helpers/server/postgres.ts';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const KINDS = (process.env.BENCH_DB ?? 'sqlite,postgres').split(',');

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function get(agent: https.Agent, url: URL, ca: Buffer, auth: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { agent, ca, headers: { authorization: auth } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function bench(kind: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ratwatch-bench-'));
  const pg = kind === 'postgres' ? await startPostgres() : undefined;
  const databaseUrl = pg ? await pg.createDatabase() : undefined;
  const srv = await startServer(defaultConfig({ dataDir: dir, databaseUrl, host: '127.0.0.1', port: 0, log: () => undefined, periodicIntervalMs: 3600_000, maxQueue: 100_000 }));
  const raw = databaseUrl ? openPostgres(databaseUrl, 4) : openSqlite(join(dir, 'ratwatch.sqlite'));
  try {
    const ca = readFileSync(srv.caFile!);
    const url = new URL(srv.ingestUrl);
    const now = new Date();
    // Agents: enrolled directly in the database (enrollment is not what is measured).
    const bodies: Array<{ key: string; body: Buffer; headers: Record<string, string> }> = [];
    const agentRows = [];
    for (let i = 0; i < AGENTS; i++) {
      const agentId = randomUUID();
      const key = `rwa_bench_${agentId}`;
      agentRows.push({ agent_id: agentId, key_hash: hashKey(key), hostname: `bench-${i}`, enrolled_at: now.toISOString(), revoked_at: null });
      const result = scanResult(i % 10 === 0 ? [finding(`anydesk:${i}`), finding(`ngrok:${i}`)] : [], { host: { hostname: `bench-${i}`, os: 'linux', collectedAt: now.toISOString(), agentVersion: '0.1.0' }, context: { timezone: 'Europe/Berlin', defaultGatewayMac: `02:00:00:${(i >> 16) & 255}:${(i >> 8) & 255}:${i & 255}` } });
      const { report } = planReport({ state: emptyState(), result, agentId, reportId: randomUUID(), fullStateEvery: 24, now });
      const body = gzipSync(encodeReport(report, 'native'));
      bodies.push({ key, body, headers: { authorization: `Bearer ${key}`, 'content-encoding': 'gzip', 'content-type': 'application/json', 'x-ratwatch-report-id': report.reportId } });
    }
    for (let i = 0; i < agentRows.length; i += 500) await raw.db.insertInto('agents').values(agentRows.slice(i, i + 500)).execute();

    const job: ClientJob = { url: url.href, ca, concurrency: CONCURRENCY, requests: bodies.map((b) => ({ headers: b.headers, body: b.body })) };
    const res = await new Promise<ClientResult>((resolve, reject) => {
      const w = new Worker(new URL('./bench-server-client.mjs', import.meta.url), { workerData: job });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
    });
    const lat = res.latenciesMs.sort((x, y) => x - y);
    const other = Object.entries(res.statuses).filter(([k]) => k !== '200').map(([k, n]) => `${n}x${k}`).join(' ');
    console.log(`${kind}: ingest ${bodies.length} reports from ${AGENTS} agents, ${CONCURRENCY} connections: ${(bodies.length / res.seconds).toFixed(0)} reports/s, p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))}, max ${fmt(lat.at(-1)!)}, non-200: ${res.non200}${other ? ` (${other})` : ''}`);

    // Findings seeded straight into the table (setup, not measured), then the per-host open counts rebuilt
    // as the migration does for an existing database.
    const ts = Date.now();
    const seeded = await seedFindings(raw, FINDINGS, now.toISOString());
    await raw.db.transaction().execute((tx) => recountOpenFindings(tx));
    console.log(`${kind}: seeded ${seeded} findings over ${AGENTS} hosts (a quarter resolved) in ${((Date.now() - ts) / 1000).toFixed(0)} s (setup, not measured)`);
    const apiAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    // People's API calls carry a token (Basic auth would add one scrypt per request).
    const token = await new Promise<string>((resolve, reject) => {
      const req = https.request(new URL(`${srv.url}/api/tokens`), { method: 'POST', agent: apiAgent, ca, headers: { authorization: `Basic ${Buffer.from(`admin:${srv.firstAdmin!.password}`).toString('base64')}` } }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve(JSON.parse(t).token));
      });
      req.on('error', reject);
      req.end('{"name":"bench"}');
    });
    const auth = `Bearer ${token}`;
    for (const path of ['/api/overview', '/api/hosts?limit=100', '/api/hosts?limit=100&offset=9000', '/api/hosts?status=online&limit=100', '/api/hosts?q=bench-77&limit=100', '/api/findings?open=true&severity=critical&limit=100']) {
      const times: number[] = [];
      const u = new URL(`${srv.url}${path}`);
      await get(apiAgent, u, ca, auth); // warm
      for (let i = 0; i < 20; i++) {
        const s = performance.now();
        await get(apiAgent, u, ca, auth);
        times.push(performance.now() - s);
      }
      times.sort((x, y) => x - y);
      console.log(`${kind}: GET ${path}: p50 ${fmt(pct(times, 50))}, max ${fmt(times.at(-1)!)} (20 requests over keep-alive HTTPS, API token)`);
    }
    apiAgent.destroy();
  } finally {
    await raw.db.destroy();
    await srv.close();
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// What the load generator (bench-server-client.mjs) is given and returns.
interface ClientJob {
  url: string;
  ca: Uint8Array;
  concurrency: number;
  requests: Array<{ headers: Record<string, string>; body: Uint8Array }>;
}

interface ClientResult { latenciesMs: number[]; non200: number; seconds: number; statuses: Record<string, number> }

/** Inserts n findings spread over the hosts in a few big statements generated by the database itself. */
async function seedFindings(raw: OpenedDb, n: number, at: string): Promise<number> {
  const CHUNK = 250_000;
  return raw.db.connection().execute(async (c) => {
    const pgsql = raw.dialect === 'postgres';
    await sql`create temp table bench_hosts (i integer primary key, agent_id text not null)`.execute(c);
    await sql`insert into bench_hosts (i, agent_id) select row_number() over (order by agent_id) - 1, agent_id from hosts`.execute(c);
    const hostCount = Number((await sql<{ n: number }>`select count(*) as n from bench_hosts`.execute(c)).rows[0].n);
    let done = 0;
    for (let from = 0; from < n && hostCount > 0; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      const seq = pgsql
        ? sql`select g as n from generate_series(${sql.lit(from)}, ${sql.lit(to - 1)}) g`
        : sql`with recursive s(n) as (select ${sql.lit(from)} union all select n + 1 from s where n + 1 < ${sql.lit(to)}) select n from s`;
      await sql`insert into findings (agent_id, finding_id, tool_id, tool_name, category, severity, status, state, evidence, first_seen, last_seen, resolved_at, resolved_reason)
        select h.agent_id, 'seed:' || q.n, 'tool-' || (q.n % 300), 'Tool ' || (q.n % 300),
          case q.n % 5 when 0 then 'remote-desktop' when 1 then 'tunnel' when 2 then 'rmm' when 3 then 'vpn' else 'ip-kvm' end,
          case q.n % 5 when 0 then 'info' when 1 then 'low' when 2 then 'medium' when 3 then 'high' else 'critical' end,
          'finding', null, '[{"type":"process","value":"/opt/x"}]', cast(${at} as text), cast(${at} as text),
          case when q.n % 4 = 0 then cast(${at} as text) else null end, case when q.n % 4 = 0 then 'gone' else null end
        from (${seq}) q join bench_hosts h on h.i = q.n % ${sql.lit(hostCount)}`.execute(c);
      done = to;
    }
    await sql`drop table bench_hosts`.execute(c);
    return done;
  });
}

const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`bench:server on ${os.cpus().length} cores, load average ${load}: a shared machine under other work, so figures are indicative, not a capacity rating.`);
for (const k of KINDS) await bench(k);
