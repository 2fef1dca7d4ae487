// The ingest section of bench:server: simulated agents (reports planned and encoded by the agent's own
// code, gzip and v2 signature as on the wire) over HTTPS on 127.0.0.1, the load generator in a child
// process (bench-server-client.mjs), so the CPU time printed is the server's alone.
// Two runs: each agent's first report (a new host: full report, a tenth with findings) as fast as the
// server takes them from `concurrency` connections; then each agent's second report offered at a fixed
// rate (open loop), whose p99 is the latency an agent sees at that load.
import { randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { encodeReport } from '../../agent/report/encode.ts';
import { emptyState, planReport, type ReportedState } from '../../agent/report/plan.ts';
import type { NativeReport } from '../../agent/report/types.ts';
import { signRequest } from '../../agent/transport/sign.ts';
import { hashKey } from '../../server/ingest/receive.ts';
import type { OpenedDb } from '../../server/store/open.ts';
import { finding, scanResult } from '../../test/helpers/report-helpers.ts';

export interface IngestBenchOptions {
  label: string;
  ingestUrl: string;
  ca: Buffer;
  hmacKey: Buffer;
  db: OpenedDb; // a second connection to the server's database, for enrolling the agents
  agents: number;
  concurrency: number;
  rate: number;
}

interface ClientJob {
  url: string;
  ca: Uint8Array;
  concurrency: number;
  rate?: number;
  requests: Array<{ headers: Record<string, string>; body: Uint8Array }>;
}
interface ClientResult {
  latenciesMs: number[];
  non200: number;
  seconds: number;
  statuses: Record<string, number>;
}

export const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function wire(o: IngestBenchOptions, key: string, report: NativeReport): { headers: Record<string, string>; body: Buffer } {
  const body = gzipSync(encodeReport(report, 'native'));
  const path = new URL(o.ingestUrl).pathname;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = signRequest(o.hmacKey, {
    method: 'POST',
    path,
    timestamp,
    agentId: report.agentId,
    reportId: report.reportId,
    sequence: report.sequence,
    kind: report.kind,
    body,
  });
  return {
    body,
    headers: {
      authorization: `Bearer ${key}`,
      'content-encoding': 'gzip',
      'content-type': 'application/json',
      'x-ratwatch-report-id': report.reportId,
      'x-ratwatch-agent-id': report.agentId,
      'x-ratwatch-report-kind': report.kind,
      'x-ratwatch-sequence': String(report.sequence),
      'x-ratwatch-timestamp': timestamp,
      'x-ratwatch-signature': signature,
    },
  };
}

function load(job: ClientJob): Promise<ClientResult> {
  return new Promise<ClientResult>((resolve, reject) => {
    const child = fork(new URL('../bench-server-client.mjs', import.meta.url), [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as ClientResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
    child.send(job);
  });
}

function line(label: string, what: string, n: number, res: ClientResult, cpu: NodeJS.CpuUsage): string {
  const lat = res.latenciesMs.sort((x, y) => x - y);
  const other = Object.entries(res.statuses)
    .filter(([k]) => k !== '200')
    .map(([k, c]) => `${c}x${k}`)
    .join(' ');
  return `${label}: ingest ${what}: ${(n / res.seconds).toFixed(0)} reports/s, p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))}, max ${fmt(lat.at(-1)!)}, non-200: ${res.non200}${other ? ` (${other})` : ''}; server CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms per report (${(((cpu.user + cpu.system) / 1e6 / res.seconds) * 100).toFixed(0)}% of one core)`;
}

export async function benchIngest(o: IngestBenchOptions): Promise<void> {
  const now = new Date();
  const agents: Array<{ key: string; agentId: string; state: ReportedState; i: number }> = [];
  const rows = [];
  for (let i = 0; i < o.agents; i++) {
    const agentId = randomUUID();
    const key = `rwa_bench_${agentId}`;
    agents.push({ key, agentId, state: emptyState(), i });
    rows.push({ agent_id: agentId, key_hash: hashKey(key), hostname: `bench-${i}`, enrolled_at: now.toISOString(), revoked_at: null });
  }
  // Enrolled directly in the database: enrollment is not what is measured.
  for (let i = 0; i < rows.length; i += 500)
    await o.db.db
      .insertInto('agents')
      .values(rows.slice(i, i + 500))
      .execute();
  const nextReports = (at: Date) =>
    agents.map((a) => {
      const result = scanResult(a.i % 10 === 0 ? [finding(`anydesk:${a.i}`), finding(`ngrok:${a.i}`)] : [], {
        host: { hostname: `bench-${a.i}`, os: 'linux', collectedAt: at.toISOString(), agentVersion: '0.1.0' },
        context: { timezone: 'Europe/Berlin', defaultGatewayMac: `02:00:00:${(a.i >> 16) & 255}:${(a.i >> 8) & 255}:${a.i & 255}` },
      });
      const { report, state } = planReport({
        state: a.state,
        result,
        agentId: a.agentId,
        reportId: randomUUID(),
        fullStateEvery: 24,
        now: at,
      });
      a.state = state;
      return wire(o, a.key, report);
    });
  const url = o.ingestUrl;
  let requests = nextReports(now);
  let cpu = process.cpuUsage();
  const first = await load({ url, ca: o.ca, concurrency: o.concurrency, requests });
  console.log(
    line(
      o.label,
      `${o.agents} first reports (new hosts) from ${o.agents} agents, ${o.concurrency} connections, as fast as served`,
      o.agents,
      first,
      process.cpuUsage(cpu),
    ),
  );
  requests = nextReports(new Date(now.getTime() + 3600_000));
  cpu = process.cpuUsage();
  const second = await load({ url, ca: o.ca, concurrency: 512, rate: o.rate, requests });
  console.log(
    line(
      o.label,
      `${o.agents} next reports offered at ${o.rate}/s (open loop, latency from the due time)`,
      o.agents,
      second,
      process.cpuUsage(cpu),
    ),
  );
}
