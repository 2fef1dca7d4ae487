import { describe, expect, it } from 'vitest';
import { emptyState, planReport, stateProblem, type ReportedState } from '../../../../agent/report/plan.ts';
import { reportProblem } from '../../../../agent/report/types.ts';
import { finding, scanResult } from '../../../helpers/report-helpers.ts';

const ids = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function run(states: ReportedState[], findings: ReturnType<typeof finding>[], cycleNo: number, every = 4) {
  const prev = states[states.length - 1];
  const out = planReport({
    state: prev,
    result: scanResult(findings),
    agentId: 'agent-1',
    reportId: ids(cycleNo),
    fullStateEvery: every,
    now: new Date(Date.UTC(2026, 10, 23, 10, cycleNo)),
  });
  states.push(out.state);
  return out.report;
}

describe('planReport', () => {
  it('starts with a full report, then sends only changes, heartbeats when nothing changed', () => {
    const states = [emptyState()];
    const a = finding('anydesk:1');
    const b = finding('rustdesk:1');
    const r1 = run(states, [a], 1);
    expect(r1).toMatchObject({ kind: 'full', sequence: 1, added: ['anydesk:1'], resolved: [] });
    expect(r1.findings.map((f) => f.id)).toEqual(['anydesk:1']);
    expect(reportProblem(r1)).toBeUndefined();

    const r2 = run(states, [a], 2);
    expect(r2).toMatchObject({ kind: 'heartbeat', sequence: 2, findings: [], added: [], resolved: [] });

    const r3 = run(states, [a, b], 3);
    expect(r3.kind).toBe('delta');
    expect(r3.findings.map((f) => f.id)).toEqual(['rustdesk:1']);
    expect(r3.findings[0].firstSeen).toBe('2026-11-23T10:03:00.000Z');

    const r4 = run(states, [b, { ...a, status: 'allowed', reason: 'policy rule 3' }], 4);
    expect(r4.kind).toBe('delta');
    expect(r4.findings).toEqual([]);
    expect(r4.resolved).toEqual([
      expect.objectContaining({
        id: 'anydesk:1',
        reason: 'allowed',
        firstSeen: '2026-11-23T10:01:00.000Z',
        resolvedAt: '2026-11-23T10:04:00.000Z',
      }),
    ]);
    expect(r4.summary).toEqual({ active: 1, allowed: 1, suppressed: 0, failedSources: 1 });

    // fullStateEvery = 4: cycle 5 is 4 cycles after the full one at cycle 1
    const r5 = run(states, [b], 5);
    expect(r5.kind).toBe('full');
    expect(r5.added).toEqual([]);
    expect(r5.findings.map((f) => [f.id, f.firstSeen])).toEqual([['rustdesk:1', '2026-11-23T10:03:00.000Z']]);

    const r6 = run(states, [], 6);
    expect(r6).toMatchObject({ kind: 'delta', resolved: [expect.objectContaining({ id: 'rustdesk:1', reason: 'gone' })] });
    expect(states.at(-1)!.findings).toEqual({});
  });

  it('ignores allowed and suppressed findings and repeated ids when comparing', () => {
    const a = finding('vnc:1');
    const r = planReport({
      state: emptyState(),
      result: scanResult([a, { ...a }, finding('tv:1', { status: 'suppressed' })]),
      agentId: 'x',
      reportId: ids(1),
      fullStateEvery: 10,
      now: new Date(),
    });
    expect(r.report.findings.map((f) => f.id)).toEqual(['vnc:1']);
    expect(Object.keys(r.state.findings)).toEqual(['vnc:1']);
  });

  it('forceFull and a lagging state.json are honoured', () => {
    const base = { ...emptyState(), cycle: 3, sequence: 3, lastFullCycle: 3, forceFull: true };
    const r = planReport({
      state: base,
      result: scanResult([]),
      agentId: 'x',
      reportId: ids(9),
      fullStateEvery: 100,
      now: new Date(),
      minSequence: 7,
    });
    expect(r.report.kind).toBe('full');
    expect(r.report.sequence).toBe(8);
    expect(r.state).toMatchObject({ forceFull: false, lastFullCycle: 4, sequence: 8 });
  });

  it('checks state and report shapes', () => {
    expect(stateProblem(emptyState())).toBeUndefined();
    expect(stateProblem({ schema: 'ratwatch.state/1', cycle: -1 })).toMatch(/cycle/);
    expect(reportProblem({ schema: 'ratwatch.report/2', reportId: 'nope' })).toMatch(/reportId/);
    expect(reportProblem([])).toBe('not a JSON object');
  });
});
