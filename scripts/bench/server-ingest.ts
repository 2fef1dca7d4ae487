// The ingest section of bench:server: simulated agents (reports planned and encoded by the agent's own
// code, gzip and v2 signature as on the wire) over HTTPS on 127.0.0.1, the load generator in a child
// process (bench-server-client.mjs), so the CPU time printed is the server's alone; one process for the three
// runs, so the measured ones start with its code warm.
// Three runs: each agent's first report (a new host: full report, a tenth with findings) as fast as the
// server takes them from `concurrency` connections; then each agent's second report offered at a fixed
// rate (open loop) over `concurrency` kept-alive connections (a proxy's pool); then the third reports at that
// rate, each on a new connection with a full TLS handshake, as agents send them: whose p99 is the latency
// an agent sees at that load.
import { randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { encodeReport } from '../../agent/report/encode.ts';
import { emptyState, planReport, type ReportedState } from '../../agent/report/plan.ts';
import type { NativeReport } from '../../agent/report/types.ts';
import { signRequest } from '../../agent/transport/sign.ts';
import { hashKey } from '../../server/ingest/receive.ts';
import type { OpenedDb } from '../../server/store/open.ts';
import type { Store } from '../../server/store/types.ts';
import { postgresCpuMs } from './pg-cpu.ts';
import { type Probe, probeServer } from './server-probe.ts';
import { RESTART_FRAMES, type WalCheckpointer } from '../../server/store/wal-checkpointer.ts';
import { walFrames } from '../../test/helpers/server/wal-index.ts';
import { finding, scanResult } from '../../test/helpers/report-helpers.ts';

export interface IngestBenchOptions {
  label: string;
  ingestUrl: string;
  ca: Buffer;
  hmacKey: Buffer;
  store: Store; // the running server's, whose group commits are timed (server-probe.ts)
  databaseUrl?: string | undefined; // PostgreSQL: its CPU is printed too (pg-cpu.ts)
  db: OpenedDb; // a second connection to the server's database, for enrolling the agents
  agents: number;
  concurrency: number;
  rate: number; // 0: no open-loop run
  fresh?: boolean; // false: no open-loop run on new connections
  profileDir?: string | undefined; // a CPU profile of the server per run is written here
  timelineDir?: string | undefined; // per run, each request's and the server's events with their times (JSON)
}

interface ClientJob {
  url: string;
  ca: Uint8Array;
  concurrency: number;
  rate?: number;
  fresh?: boolean;
  trace?: boolean;
  requests: Array<{ headers: Record<string, string>; body: Uint8Array }>;
}
interface ClientResult {
  latenciesMs: number[];
  afterFirstSecondMs: number[];
  non200: number;
  seconds: number;
  statuses: Record<string, number>;
  conns: { opened: number; resumed: number; closedByServer: number; errors: Record<string, number> };
  cpu: NodeJS.CpuUsage;
  gc: { count: number; totalMs: number; maxMs: number };
  traces: Array<{ dueAt: number; socketAt?: number; connectedAt?: number; doneAt?: number; status?: number; newConn?: boolean }>;
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

/**
 * A full collection of this process, the server's, before a run: the bench built the run's 10,000 requests
 * in it just before, still young when the run began, and the run's first scavenge copied them out (92 ms,
 * in the open-loop run's first second). What a server that generates no reports would not have.
 */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/**
 * The load generator: one process for all of a bench's runs, so that from the second run on its TLS and
 * request code is compiled and warm (a process forked per run sent late in its first second while V8
 * compiled it, on the cores the server shares). `run` gives it a job; `started` runs once the job has
 * reached it, just before it starts.
 */
class Generator {
  private readonly child = fork(new URL('../bench-server-client.mjs', import.meta.url), [], {
    serialization: 'advanced',
    // gc() for the generator to collect its setup before the run (bench-server-client.mjs); a young generation
    // at its full size from the start: grown from 1 MiB, it was scavenged every few ms in the first second.
    execArgv: ['--expose-gc', '--min-semi-space-size=16'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  private pending: { started: () => Promise<void>; resolve: (r: ClientResult) => void; reject: (e: unknown) => void } | undefined;

  constructor() {
    const fail = (e: unknown) => {
      this.pending?.reject(e);
      this.pending = undefined;
    };
    this.child.on('message', (m) => {
      const p = this.pending;
      if (!p) return;
      if (m === 'ready') p.started().then(() => this.child.send('go'), fail);
      else {
        this.pending = undefined;
        p.resolve(m as ClientResult);
      }
    });
    this.child.on('error', fail);
    this.child.once('exit', (code) => fail(new Error(`load generator exited with ${code}`)));
  }

  run(job: ClientJob, started: () => Promise<void>): Promise<ClientResult> {
    return new Promise<ClientResult>((resolve, reject) => {
      this.pending = { started, resolve, reject };
      this.child.send(job);
    });
  }

  close(): void {
    this.child.removeAllListeners('exit');
    this.child.kill();
  }
}

/** Busy and total CPU time of the whole machine (Linux /proc/stat, in clock ticks); undefined elsewhere. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    const idle = f[3] + f[4]; // idle + iowait
    const total = f.slice(0, 8).reduce((a, x) => a + x, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

function line(
  label: string,
  what: string,
  n: number,
  res: ClientResult,
  cpu: NodeJS.CpuUsage,
  m0: ReturnType<typeof machineTicks>,
  pgMs?: number,
): string {
  const m1 = machineTicks();
  const lat = res.latenciesMs.sort((x, y) => x - y);
  const other = Object.entries(res.statuses)
    .filter(([k]) => k !== '200')
    .map(([k, c]) => `${c}x${k === '0' ? 'no answer' : k}`)
    .join(' ');
  const errors = Object.entries(res.conns.errors)
    .map(([k, c]) => `${c}x${k}`)
    .join(' ');
  const share = (msCpu: number) => `${((msCpu / 1000 / res.seconds) * 100).toFixed(0)}%`;
  // The load generator runs on the same cores: its CPU and the machine's (other work included) are printed
  // so that a figure taken while the server was starved of CPU reads as such.
  const cores = os.cpus().length;
  const machine =
    m0 && m1 && m1.total > m0.total
      ? `; machine ${(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100).toFixed(0)}% busy of ${cores} cores (server ${share(cpuMs(cpu))}, load generator ${share(cpuMs(res.cpu))} of one core, its GC ${res.gc.count} pauses, ${fmt(res.gc.totalMs)} in all, max ${fmt(res.gc.maxMs)})`
      : `; load generator CPU ${share(cpuMs(res.cpu))} of one core`;
  const steady = res.afterFirstSecondMs.sort((x, y) => x - y);
  const afterFirst = steady.length ? ` (after the first second: p99 ${fmt(pct(steady, 99))}, max ${fmt(steady.at(-1)!)})` : '';
  return `${label}: ingest ${what}: ${(n / res.seconds).toFixed(0)} reports/s, p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))}, max ${fmt(lat.at(-1)!)}${afterFirst}, non-200: ${res.non200}${other ? ` (${other}${errors ? `: ${errors}` : ''})` : ''}; server CPU ${(cpuMs(cpu) / n).toFixed(2)} ms per report (${share(cpuMs(cpu))} of one core)${pgMs === undefined ? '' : `, PostgreSQL CPU ${(pgMs / n).toFixed(2)} ms per report`}${machine}; ${res.conns.opened} new TLS connections (${res.conns.resumed} resumed), ${res.conns.closedByServer} kept-alive closed by the server`;
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
  // Counted from when the load generator has its job: serialising 10,000 requests to it is the bench's work.
  let cpu = process.cpuUsage();
  let m0 = machineTicks();
  let probe: Probe | undefined;
  let pg0: number | undefined;
  const pgUsed = () => (o.databaseUrl && pg0 !== undefined ? (postgresCpuMs(o.databaseUrl) ?? pg0) - pg0 : undefined);
  // A run begins once the server has copied the log of the run before back into the database (as it does
  // by itself once ingest pauses, wal-checkpointer.ts): what is measured is the run's own load, not a
  // 7,500-frame checkpoint left over from a burst. Printed, so that a server that never got there shows.
  const settle = async (): Promise<string> => {
    const checkpointer = (o.store as { checkpointer?: WalCheckpointer }).checkpointer;
    if (!checkpointer || !o.db.walFile) {
      collect();
      return '';
    }
    const shm = openSync(o.db.walFile.replace(/-wal$/, '-shm'), 'r');
    const t = performance.now();
    try {
      let f = walFrames(shm);
      // Copied back: the log's frame count only drops at the next commit, which starts it again (a RESTART
      // made sure it may); its backfill count says the checkpoint is done.
      while (performance.now() - t < 5000 && f && f.frames >= RESTART_FRAMES && f.backfilled < f.frames) {
        await new Promise((r) => setTimeout(r, 20));
        f = walFrames(shm);
      }
      await checkpointer.idle();
      collect();
      return `; the run began with ${(f?.frames ?? 0) - (f?.backfilled ?? 0)} of the SQLite log's ${f?.frames ?? 0} frames not yet copied back, after ${((performance.now() - t) / 1000).toFixed(1)} s waiting for its checkpoint`;
    } finally {
      closeSync(shm);
    }
  };
  let settled = '';
  const start = (what: string) => async () => {
    settled = await settle();
    pg0 = o.databaseUrl ? postgresCpuMs(o.databaseUrl) : undefined;
    probe = await probeServer(o.store, o.profileDir && join(o.profileDir, `${o.label}-ingest-${what}.cpuprofile`), {
      walFile: o.db.walFile,
      timeline: o.timelineDir !== undefined,
    });
    cpu = process.cpuUsage();
    m0 = machineTicks();
  };
  const trace = o.timelineDir !== undefined;
  const saveTimeline = (what: string, res: ClientResult) => {
    if (o.timelineDir && probe?.timeline)
      writeFileSync(
        join(o.timelineDir, `${o.label}-ingest-${what}.json`),
        JSON.stringify({ requests: res.traces, server: probe.timeline }),
      );
  };
  const gen = new Generator();
  try {
    await runs();
  } finally {
    gen.close();
  }
  async function runs(): Promise<void> {
    const first = await gen.run({ url, ca: o.ca, concurrency: o.concurrency, trace, requests }, start('closed'));
    saveTimeline('closed', first);
    console.log(
      line(
        o.label,
        `${o.agents} first reports (new hosts) from ${o.agents} agents, ${o.concurrency} connections, as fast as served`,
        o.agents,
        first,
        process.cpuUsage(cpu),
        m0,
        pgUsed(),
      ),
    );
    console.log(`  server: ${await probe!.stop()}${settled}`);
    if (!o.rate) return;
    requests = nextReports(new Date(now.getTime() + 3600_000));
    // A pool of `concurrency` kept-alive connections, all open before the run, as a proxy with a bounded upstream
    // pool (HAProxy maxconn, nginx max_conns): a request that finds them all busy waits in the pool, and that wait
    // counts in its latency. An unbounded pool (512) turned any stall into hundreds of new connections, each
    // ~1.7 ms of the server's CPU even resumed (more than a report): the stall grew into seconds.
    const second = await gen.run({ url, ca: o.ca, concurrency: o.concurrency, rate: o.rate, trace, requests }, start('open'));
    saveTimeline('open', second);
    console.log(
      line(
        o.label,
        `${o.agents} next reports offered at ${o.rate}/s (open loop, latency from the due time)`,
        o.agents,
        second,
        process.cpuUsage(cpu),
        m0,
        pgUsed(),
      ),
    );
    console.log(`  server: ${await probe!.stop()}${settled}`);
    if (o.fresh === false) return;
    // As agents send: each report on a new connection with a full TLS handshake (agent/transport/agent.ts).
    requests = nextReports(new Date(now.getTime() + 7200_000));
    const third = await gen.run({ url, ca: o.ca, concurrency: 512, rate: o.rate, fresh: true, trace, requests }, start('fresh'));
    saveTimeline('fresh', third);
    console.log(
      line(
        o.label,
        `${o.agents} next reports offered at ${o.rate}/s, each on a new connection with a full TLS handshake as the agent sends (open loop)`,
        o.agents,
        third,
        process.cpuUsage(cpu),
        m0,
        pgUsed(),
      ),
    );
    console.log(`  server: ${await probe!.stop()}${settled}`);
  }
}
