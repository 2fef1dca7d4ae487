import { describe, expect, it } from 'vitest';
import { emptyState, planReport } from '../../../../agent/report/plan.ts';
import type { ScanResult } from '../../../../agent/model.ts';
import { finding, scanResult } from '../../../helpers/report-helpers.ts';

// What the first report of an agent says (issue 17): whether the scan ran privileged, and which of two
// findings sharing an id by mistake is reported.

const plan = (result: ScanResult) =>
  planReport({
    state: emptyState(),
    result,
    agentId: 'agent-1',
    reportId: '00000000-0000-4000-8000-000000000001',
    fullStateEvery: 10,
    now: new Date('2026-11-23T10:00:00Z'),
  }).report;

describe('the first report', () => {
  it('says whether the scan ran privileged, and says nothing when the scan did not know', () => {
    expect(plan(scanResult([], { privileged: true })).privileged).toBe(true);
    expect(plan(scanResult([], { privileged: false })).privileged).toBe(false);
    expect('privileged' in plan(scanResult([]))).toBe(false);
  });

  it('of two active findings with one id, reports the first and counts one', () => {
    const r = plan(scanResult([finding('anydesk:1', { severity: 'critical' }), finding('anydesk:1', { severity: 'low' })]));
    expect(r.findings.map((f) => `${f.id} ${f.severity}`)).toEqual(['anydesk:1 critical']);
    expect(r.summary.active).toBe(1);
  });
});
