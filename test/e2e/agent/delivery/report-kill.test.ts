import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { ROOT } from '../../../helpers/cli.ts';
import { makeCerts, reportConfig, scanResult, startReceiver } from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

// kill -9 at a random moment while the agent writes reports: afterwards every report file in the spool
// is whole (atomic rename), temp files are never taken for reports, and no sequence number is used twice.

const root = mkdtempSync(join(tmpdir(), 'ratwatch-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runAndKill(spoolDir: string, afterLines: number, delayMs: number): Promise<{ lines: number; tmpAtKill: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/report-spool-writer.ts'), spoolDir, '500'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let err = '';
    let killed = false;
    let tmpAtKill: string[] = [];
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not produce ${afterLines} reports in time: ${err.slice(-500)}`));
    }, 60_000);
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      lines += b.toString().split('\n').filter(Boolean).length;
      if (lines >= afterLines && !killed) {
        killed = true;
        setTimeout(() => {
          tmpAtKill = readdirSync(spoolDir).filter((n) => n.startsWith('.tmp-'));
          child.kill('SIGKILL');
        }, delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code} before the kill: ${err.slice(-500)}`));
      resolve({ lines, tmpAtKill });
    });
  });
}

describe('SIGKILL while writing the spool', () => {
  it('leaves only whole reports; temp files are dropped; numbers are never reused', async () => {
    const certs = makeCerts(root);
    const rx = await startReceiver(certs);
    const spoolDir = join(root, 'spool');
    try {
      const rounds = 4;
      for (let round = 0; round < rounds; round++) {
        await runAndKill(spoolDir, 2 + round, Math.floor(Math.random() * 120));
      }
      // one more left by hand: a complete-looking report under a temp name must still not be sent
      const names = pendingReports(spoolDir);
      const sample = JSON.parse(readFileSync(join(spoolDir, names[0]), 'utf8')) as NativeReport;
      const planted = { ...sample, reportId: 'ffffffff-ffff-4fff-8fff-ffffffffffff', sequence: 999_999 };
      writeFileSync(join(spoolDir, `.tmp-999999999999-delta-${planted.reportId}.json-123abc`), JSON.stringify(planted));

      const whole = names.filter((n) => {
        try {
          JSON.parse(readFileSync(join(spoolDir, n), 'utf8'));
          return true;
        } catch {
          return false;
        }
      });
      expect(whole).toEqual(names); // atomic rename: a killed writer never leaves half a report under a real name

      const logs: string[] = [];
      const config = reportConfig(spoolDir, {
        endpointUrl: rx.url,
        caFile: certs.caFile,
        spoolMaxFiles: '100000',
        spoolMaxBytes: String(16 * 1024 ** 3),
      });
      const reporter = new Reporter(config, { log: (l) => logs.push(l) });
      const res = await reporter.flush();
      expect(res).toMatchObject({ sent: names.length, quarantined: 0, rejected: 0, pending: 0 });
      const got = rx.received.map((r) => JSON.parse(r.text) as NativeReport);
      // in order and never two reports with one number (a kill may leave a gap: a number reserved, no report)
      const seqs = got.map((r) => r.sequence);
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
      expect(seqs.at(-1)! - seqs[0] + 1 - seqs.length).toBeLessThanOrEqual(rounds);
      expect(got.some((r) => r.reportId === planted.reportId)).toBe(false);
      expect(readdirSync(spoolDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
      expect(logs).toEqual([]);

      // the state the killed writer left is usable: the next report continues the numbering, even with
      // every earlier report delivered and gone from the spool
      const q = await reporter.enqueue(scanResult([]));
      expect(q.sequence).toBeGreaterThan(seqs.at(-1)!);
      expect(q.sequence - seqs.at(-1)!).toBeLessThanOrEqual(2);
    } finally {
      await rx.close();
    }
  });
});
