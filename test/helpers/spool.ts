import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { emptyState, planReport } from '../../agent/report/plan.ts';
import type { NativeReport, ReportKind } from '../../agent/report/types.ts';
import { REPORT_FILE_NAME, Spool } from '../../agent/spool/spool.ts';
import { finding, scanResult } from './report-helpers.ts';

/** A real report of the given sequence and kind, with `findings` findings (none for a heartbeat). */
export function spoolReport(sequence: number, kind: ReportKind, findings = 1, now = new Date('2026-11-23T10:00:00Z')): NativeReport {
  const { report: r } = planReport({
    state: emptyState(),
    result: scanResult(Array.from({ length: findings }, (_, i) => finding(`tool${i}:1`))),
    agentId: 'a',
    reportId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    fullStateEvery: 1,
    now,
  });
  return { ...r, sequence, kind, ...(kind === 'heartbeat' ? { findings: [], added: [] } : {}) };
}

/** The names of the reports pending in a spool folder, oldest first, by the spool's own naming rule. */
export function pendingReports(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => REPORT_FILE_NAME.test(f))
    .sort();
}

export interface TestSpool {
  dir: string;
  spool: Spool;
  log: string[];
}

/**
 * Fresh opened spools (newSpool) or unused folder names (fresh), each in its own folder under one temporary root that is removed after the file's
 * tests. Call at module level (it registers the afterAll).
 */
export function spoolFactory(prefix: string): {
  root: string;
  fresh: () => string;
  newSpool: (over?: { maxFiles?: number; maxBytes?: number }) => Promise<TestSpool>;
} {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let dirs = 0;
  const fresh = () => join(root, `s${++dirs}`);
  const newSpool = async (over: { maxFiles?: number; maxBytes?: number } = {}) => {
    const dir = fresh();
    const log: string[] = [];
    const spool = new Spool(dir, { maxFiles: 1000, maxBytes: 1e9, log: (l) => log.push(l), ...over });
    await spool.open();
    return { dir, spool, log };
  };
  return { root, fresh, newSpool };
}
