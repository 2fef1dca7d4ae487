import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDaemon } from '../../../../agent/daemon/daemon.ts';
import type { ScanResult } from '../../../../agent/model.ts';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { ROOT } from '../../../helpers/cli.ts';
import { waitFor } from '../../../helpers/procs.ts';
import { finding, makeCerts, reportConfig, scanResult, startReceiver, type Certs, type Receiver } from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

const root = mkdtempSync(join(tmpdir(), 'ratwatch-daemon-'));
let certs: Certs;
let rx: Receiver;
let n = 0;
beforeAll(() => {
  certs = makeCerts(root);
});
afterEach(async () => rx?.close());
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runDaemon', () => {
  it('scans on schedule, never two cycles at once, logs one line per cycle, stops on abort', async () => {
    rx = await startReceiver(certs);
    const spoolDir = join(root, `s${++n}`);
    const config = reportConfig(spoolDir, { endpointUrl: rx.url, caFile: certs.caFile, schedule: '* * * * * *' });
    const logs: string[] = [];
    let running = 0;
    let maxRunning = 0;
    let scans = 0;
    const scanOnce = async (): Promise<ScanResult> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      scans++;
      await new Promise((ok) => setTimeout(ok, 1300)); // longer than the 1 s schedule: ticks land mid-scan
      running--;
      return scanResult(scans === 2 ? [finding('anydesk:1'), finding('ngrok:1')] : [finding('anydesk:1')]);
    };
    const stop = new AbortController();
    const done = runDaemon(config, scanOnce, { signal: stop.signal, log: (l) => logs.push(l) });
    await waitFor(() => logs.filter((l) => /^ratwatch: cycle \d+: /.test(l)).length >= 3, 20_000, 'three cycles');
    const t = Date.now();
    stop.abort();
    await done;
    expect(Date.now() - t).toBeLessThan(3000); // at most the cycle in progress
    expect(maxRunning).toBe(1);

    const cycleLines = logs.filter((l) => /^ratwatch: cycle \d+: /.test(l));
    expect(cycleLines.length).toBe(scans);
    expect(cycleLines[0]).toMatch(/^ratwatch: cycle 1: full report #1 \(\+1 -0\), scan \d+ ms; sent 1, pending 0$/);
    expect(cycleLines[1]).toMatch(/^ratwatch: cycle 2: delta report #2 \(\+1 -0\)/);
    expect(cycleLines[2]).toMatch(/^ratwatch: cycle 3: delta report #3 \(\+0 -1\)/);
    expect(logs).toContain('ratwatch: scheduled scan skipped: previous cycle still running');
    expect(logs[0]).toMatch(/^ratwatch: daemon started, schedule "\* \* \* \* \* \*"/);
    expect(logs.at(-1)).toBe(`ratwatch: daemon stopped after ${scans} cycle(s)`);
    for (const l of logs) expect(l).not.toContain('\n');
    const got = rx.received.map((r) => JSON.parse(r.text) as NativeReport);
    expect(got.map((r) => r.sequence)).toEqual(got.map((_, i) => i + 1));
  });

  it('logs a failed scan in one line and keeps going', async () => {
    rx = await startReceiver(certs);
    const config = reportConfig(join(root, `s${++n}`), { endpointUrl: rx.url, caFile: certs.caFile, schedule: '* * * * * *' });
    const logs: string[] = [];
    let calls = 0;
    const stop = new AbortController();
    const done = runDaemon(
      config,
      async () => {
        if (++calls === 1) throw new Error('collector exploded\nwith a second line');
        return scanResult([]);
      },
      { signal: stop.signal, log: (l) => logs.push(l) },
    );
    await waitFor(() => logs.some((l) => l.startsWith('ratwatch: cycle ')), 10_000, 'a good cycle');
    stop.abort();
    await done;
    // one line: the first (agent/vocabulary.ts oneLine); what follows it never reaches the log
    expect(logs).toContain('ratwatch: scheduled scan failed: collector exploded');
    expect(rx.received.length).toBeGreaterThanOrEqual(1);
  });

  it('retries a failing endpoint between cycles when Retry-After expires', async () => {
    rx = await startReceiver(certs);
    rx.reply = (r) => (r.n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const spoolDir = join(root, `s${++n}`);
    // a schedule that will not fire during the test: only the start cycle and the retry timer run
    const config = reportConfig(spoolDir, { endpointUrl: rx.url, caFile: certs.caFile, schedule: '0 0 1 1 *' });
    const logs: string[] = [];
    const stop = new AbortController();
    const done = runDaemon(config, async () => scanResult([finding('anydesk:1')]), { signal: stop.signal, log: (l) => logs.push(l) });
    await waitFor(() => logs.some((l) => l.startsWith('ratwatch: retry:')), 10_000, 'the retry');
    stop.abort();
    await done;
    expect(logs.find((l) => l.startsWith('ratwatch: cycle 1:'))).toMatch(/sent 0, pending 1, delivery failed: .*HTTP 503, next try /);
    expect(logs.find((l) => l.startsWith('ratwatch: retry:'))).toBe('ratwatch: retry: sent 1, pending 0');
    expect(rx.received).toHaveLength(2);
    expect(pendingReports(spoolDir)).toEqual([]);
  });

  it('stops during the jitter without scanning, and after a scan in progress without sending', async () => {
    rx = await startReceiver(certs);
    const config = reportConfig(join(root, `s${++n}`), {
      endpointUrl: rx.url,
      caFile: certs.caFile,
      jitterSeconds: '60',
      schedule: '0 0 1 1 *',
    });
    let scanned = 0;
    const stop = new AbortController();
    const done = runDaemon(
      config,
      async () => {
        scanned++;
        return scanResult([]);
      },
      { signal: stop.signal, log: () => undefined, random: () => 0.5 },
    );
    await new Promise((ok) => setTimeout(ok, 200));
    const t = Date.now();
    stop.abort();
    await done;
    expect(Date.now() - t).toBeLessThan(1000);
    expect(scanned).toBe(0);

    const spoolDir = join(root, `s${++n}`);
    const config2 = reportConfig(spoolDir, { endpointUrl: rx.url, caFile: certs.caFile, schedule: '0 0 1 1 *' });
    const stop2 = new AbortController();
    const logs: string[] = [];
    const done2 = runDaemon(
      config2,
      async () => {
        stop2.abort(); // SIGTERM arrives while the scan runs
        await new Promise((ok) => setTimeout(ok, 300));
        return scanResult([finding('vnc:1')]);
      },
      { signal: stop2.signal, log: (l) => logs.push(l) },
    );
    await done2;
    expect(logs.some((l) => /^ratwatch: cycle 1: full report #1 .*; stopping before delivery$/.test(l))).toBe(true);
    expect(pendingReports(spoolDir)).toHaveLength(1); // kept for the next start
    expect(rx.received).toHaveLength(0);
    expect(await new Reporter(config2, { log: () => undefined }).flush()).toMatchObject({ sent: 1, pending: 0 });
  });
});

describe('ratwatch daemon / flush commands', () => {
  function cli(args: string[], env: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/report-daemon-main.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    void exited.then(() => clearTimeout(guard));
    return { child, exited, out: () => out, err: () => err };
  }

  it('daemon stops cleanly on SIGTERM after the current cycle; flush exits 0 or 3', async () => {
    rx = await startReceiver(certs);
    const spoolDir = join(root, `s${++n}`);
    const cfg = join(root, `c${n}.yaml`);
    writeFileSync(
      cfg,
      `endpoint:\n  url: ${rx.url}\n  caFile: ${certs.caFile}\n  tokenEnv: RW_TOKEN\nschedule: "0 0 1 1 *"\njitterSeconds: 0\nspoolDir: ${spoolDir}\n`,
    );
    const env = { RW_TOKEN: 'tok-daemon-cli-secret', FAKE_SCAN_MS: '1500' };
    const d = cli(['daemon', '--config', cfg], env);
    await waitFor(() => d.err().includes('daemon started'), 20_000, 'daemon start');
    d.child.kill('SIGTERM'); // lands during the 1.5 s scan
    const code = await d.exited;
    expect(code).toBe(0);
    const lines = d.err().trim().split('\n');
    expect(lines).toContain('ratwatch: SIGTERM received, stopping after the current cycle');
    expect(lines.indexOf('fake scan done')).toBeGreaterThan(lines.indexOf('ratwatch: SIGTERM received, stopping after the current cycle'));
    expect(lines.at(-1)).toBe('ratwatch: daemon stopped after 1 cycle(s)');
    expect(d.err()).not.toContain('tok-daemon-cli-secret');
    expect(pendingReports(spoolDir)).toHaveLength(1);

    rx.reply = () => ({ status: 503 });
    const f1 = cli(['flush', '--config', cfg], env);
    expect(await f1.exited).toBe(3);
    expect(f1.err()).toMatch(/^ratwatch: flush: sent 0, pending 1, rejected 0, quarantined 0, delivery failed: .*HTTP 503\n$/);
    rx.reply = () => ({ status: 200 });
    const f2 = cli(['flush', '--config', cfg, '--json'], env);
    expect(await f2.exited).toBe(0);
    expect(JSON.parse(f2.out())).toMatchObject({ sent: 1, pending: 0, requeued: 0 });
    expect(rx.received.at(-1)!.headers.authorization).toBe('Bearer tok-daemon-cli-secret');
  });

  it('a bad config is one line and exit 2, before anything is sent', async () => {
    const cfg = join(root, 'bad.yaml');
    writeFileSync(cfg, 'endpoint:\n  url: http://192.0.2.1/ingest\n');
    const d = cli(['daemon', '--config', cfg, '--spool-dir', join(root, 'unused')], {});
    expect(await d.exited).toBe(2);
    expect(d.err()).toMatch(
      new RegExp(
        `^ratwatch: config ${cfg}: endpoint.url must be an https URL \\(http only to a loopback address or with endpoint.allowInsecureHttp\\)\\n$`,
      ),
    );
    const e = cli(['flush', '--spool-dir', join(root, 'unused')], {
      RATWATCH_ENDPOINT_URL: 'https://r.example/',
      RATWATCH_JITTER_SECONDS: '-1',
    });
    expect(await e.exited).toBe(2);
    expect(e.err()).toBe('ratwatch: env RATWATCH_JITTER_SECONDS: jitterSeconds must be an integer from 0 to 86400\n');
  });
});
