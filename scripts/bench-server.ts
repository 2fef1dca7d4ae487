// npm run bench:server — ingest throughput and p99 for simulated agents (reports planned and encoded by
// the agent's own code, gzip as on the wire) over HTTPS on 127.0.0.1, and the fleet overview API with a
// large seeded fleet, on SQLite and PostgreSQL. Prints figures; asserts nothing.
// BENCH_AGENTS (10000), BENCH_FINDINGS (1000000), BENCH_CONCURRENCY (64), BENCH_DB (sqlite,postgres).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeReport } from '../agent/report/encode.ts';
import { emptyState, planReport } from '../agent/report/plan.ts';
import { defaultConfig, startServer } from '../server/app.ts';
import { hashKey } from '../server/ingest/receive.ts';
import { openPostgres, openSqlite } from '../server/store/open.ts';
import { finding, scanResult } from '../test/e2e/report-helpers.ts';
import { startPostgres } from '../test/server/postgres.ts';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const KINDS = (process.env.BENCH_DB ?? 'sqlite,postgres').split(',');

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function post(agent: https.Agent, url: URL, ca: Buffer, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, ca, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

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

    const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const lat: number[] = [];
    let next = 0;
    let bad = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++];
        const s = performance.now();
        const status = await post(agent, url, ca, b.headers, b.body);
        lat.push(performance.now() - s);
        if (status !== 200) bad++;
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    lat.sort((x, y) => x - y);
    console.log(`${kind}: ingest ${bodies.length} reports from ${AGENTS} agents, ${CONCURRENCY} connections: ${(bodies.length / secs).toFixed(0)} reports/s, p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))}, non-200: ${bad}`);

    // Findings seeded straight into the table, spread over the hosts.
    const hosts = await raw.db.selectFrom('hosts').select('agent_id').execute();
    const ts = Date.now();
    let seeded = 0;
    const sev = ['info', 'low', 'medium', 'high', 'critical'];
    const cat = ['remote-desktop', 'tunnel', 'rmm', 'vpn', 'ip-kvm'];
    const rows = [];
    const deadline = Date.now() + Number(process.env.BENCH_SEED_SECONDS ?? 600) * 1000;
    while (seeded < FINDINGS && Date.now() < deadline) {
      rows.length = 0;
      for (let j = 0; j < 1000 && seeded + j < FINDINGS; j++) {
        const n = seeded + j;
        rows.push({
          agent_id: hosts[n % hosts.length].agent_id, finding_id: `seed:${n}`, tool_id: `tool-${n % 300}`, tool_name: `Tool ${n % 300}`, category: cat[n % 5], severity: sev[n % 5],
          status: 'finding', state: null, evidence: '[{"type":"process","value":"/opt/x"}]', first_seen: now.toISOString(), last_seen: now.toISOString(),
          resolved_at: n % 4 === 0 ? now.toISOString() : null, resolved_reason: n % 4 === 0 ? 'gone' : null,
        });
      }
      await raw.db.insertInto('findings').values(rows).execute();
      seeded += rows.length;
    }
    console.log(`${kind}: seeded ${seeded} findings over ${hosts.length} hosts in ${((Date.now() - ts) / 1000).toFixed(0)} s${seeded < FINDINGS ? ` (stopped at the seeding time limit, not ${FINDINGS})` : ''}`);
    agent.destroy(); // its idle sockets were closed by the server while seeding
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
    for (const path of ['/api/overview', '/api/hosts?limit=100', '/api/findings?open=true&severity=critical&limit=100']) {
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

for (const k of KINDS) await bench(k);
