import { describe, expect, it } from 'vitest';
import { emptyState, planReport, stateProblem, type ReportedState } from '../../../../agent/report/plan.ts';
import { VERSION } from '../../../../agent/version.ts';
import { REPORT_SCHEMA } from '../../../../agent/vocabulary.ts';
import { finding, scanResult } from '../../../helpers/report-helpers.ts';

// The report a cycle sends, on data where every count differs from every other (issue 17: counts tested
// on data where each count equals its complement let a swapped filter pass).

const RID = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-11-23T10:00:00.000Z');
const plan = (state: ReportedState, findings: ReturnType<typeof finding>[], more: Partial<Parameters<typeof planReport>[0]> = {}) =>
  planReport({ state, result: scanResult(findings), agentId: 'agent-1', reportId: RID, fullStateEvery: 10, now: NOW, ...more });

describe('report summary and header', () => {
  it('counts active, allowed, suppressed findings and failed sources separately', () => {
    const fs = [
      finding('a:1'),
      finding('b:1'),
      finding('c:1'),
      finding('d:1'),
      finding('e:1', { status: 'allowed' }),
      finding('f:1', { status: 'allowed' }),
      finding('g:1', { status: 'allowed' }),
      finding('h:1', { status: 'suppressed' }),
    ];
    const sources = [
      { name: 's1', ok: false, count: 0, durationMs: 1 },
      { name: 's2', ok: false, count: 0, durationMs: 1 },
      { name: 's3', ok: true, count: 1, durationMs: 1 },
      { name: 's4', ok: true, count: 1, durationMs: 1 },
      { name: 's5', ok: true, count: 1, durationMs: 1 },
    ];
    const { report } = planReport({
      state: emptyState(),
      result: scanResult(fs, { sources }),
      agentId: 'agent-1',
      reportId: RID,
      fullStateEvery: 10,
      now: NOW,
    });
    expect(report.summary).toEqual({ active: 4, allowed: 3, suppressed: 1, failedSources: 2 });
    expect(report).toMatchObject({
      schema: REPORT_SCHEMA,
      reportId: RID,
      agentId: 'agent-1',
      sentAt: NOW.toISOString(),
      agentVersion: VERSION,
      scanId: '3b241101-e2bb-4255-8caf-4136c566a962',
    });
    expect(report.findings.map((f) => f.id)).toEqual(['a:1', 'b:1', 'c:1', 'd:1']);
    expect(report.findings.every((f) => f.firstSeen === NOW.toISOString())).toBe(true);
  });

  it('a finding id seen both active and allowed counts as active and is not resolved', () => {
    const prev = plan(emptyState(), [finding('a:1'), finding('b:1')]).state;
    const { report } = plan(prev, [
      finding('a:1', { status: 'allowed' }),
      finding('a:1'),
      finding('b:1', { status: 'suppressed' }),
      finding('b:1', { status: 'allowed' }),
    ]);
    expect(report.kind).toBe('delta');
    expect(report.resolved.map((r) => [r.id, r.reason])).toEqual([['b:1', 'suppressed']]);
    expect(report.added).toEqual([]);
  });

  it('the resolved entry keeps the tool, severity and techniques the finding was reported with', () => {
    const prev = plan(emptyState(), [finding('a:1', { severity: 'critical' })]).state;
    const { report } = plan(prev, []);
    expect(report.resolved).toEqual([
      {
        id: 'a:1',
        attack: ['T1219'],
        tool: { id: 'a', name: 'Tool a', category: 'remote-desktop' },
        severity: 'critical',
        reason: 'gone',
        firstSeen: NOW.toISOString(),
        resolvedAt: NOW.toISOString(),
      },
    ]);
  });
});

describe('report kind', () => {
  const stateAfter = (cycle: number, lastFullCycle: number): ReportedState => ({ ...emptyState(), cycle, sequence: cycle, lastFullCycle });

  it('full exactly fullStateEvery cycles after the last full one, not one earlier', () => {
    expect(plan(stateAfter(5, 1), [], { fullStateEvery: 5 }).report.kind).toBe('full'); // cycle 6
    expect(plan(stateAfter(4, 1), [], { fullStateEvery: 5 }).report.kind).toBe('heartbeat'); // cycle 5
    const next = plan(stateAfter(4, 1), [], { fullStateEvery: 5 }).state;
    expect(next).toEqual({ schema: 'ratwatch.state/1', cycle: 5, sequence: 5, lastFullCycle: 1, forceFull: false, findings: {} });
  });

  it('a delta lists only the new finding, a heartbeat none; a full report lists all with their first sighting', () => {
    const s1 = plan(emptyState(), [finding('a:1')], { now: new Date('2026-11-01T00:00:00Z') }).state;
    const d = plan(s1, [finding('a:1'), finding('b:1')]);
    expect(d.report.kind).toBe('delta');
    expect(d.report.findings.map((f) => f.id)).toEqual(['b:1']);
    expect(d.state.findings['a:1'].firstSeen).toBe('2026-11-01T00:00:00.000Z');
    const f = plan({ ...d.state, forceFull: true }, [finding('a:1'), finding('b:1')]);
    expect(f.report.findings.map((x) => [x.id, x.firstSeen])).toEqual([
      ['a:1', '2026-11-01T00:00:00.000Z'],
      ['b:1', NOW.toISOString()],
    ]);
    expect(f.report.added).toEqual([]);
    const h = plan(d.state, [finding('a:1'), finding('b:1')]);
    expect(h.report).toMatchObject({ kind: 'heartbeat', findings: [], added: [], resolved: [] });
  });

  it('a sequence continues from state or from the spool, whichever is higher', () => {
    expect(plan(stateAfter(3, 3), [], { minSequence: 2 }).report.sequence).toBe(4);
    expect(plan(stateAfter(3, 3), [], { minSequence: 9 }).report.sequence).toBe(10);
    expect(plan(stateAfter(3, 3), []).report.sequence).toBe(4);
  });
});

describe('state.json checks', () => {
  it('says which field is wrong', () => {
    const good = emptyState();
    expect(stateProblem(null)).toBe('not a JSON object');
    expect(stateProblem('x')).toBe('not a JSON object');
    expect(stateProblem({ ...good, schema: 'ratwatch.state/2' })).toBe('schema is not ratwatch.state/1');
    expect(stateProblem({ ...good, cycle: 1.5 })).toBe('cycle is not a non-negative integer');
    expect(stateProblem({ ...good, sequence: -1 })).toBe('sequence is not a non-negative integer');
    expect(stateProblem({ ...good, lastFullCycle: '2' })).toBe('lastFullCycle is not a non-negative integer');
    expect(stateProblem({ ...good, cycle: 0, sequence: 0, lastFullCycle: 0 })).toBeUndefined();
    expect(stateProblem({ ...good, findings: [] })).toBe('findings is not an object');
    expect(stateProblem({ ...good, findings: null })).toBe('findings is not an object');
    expect(stateProblem({ ...good, findings: 'x' })).toBe('findings is not an object');
  });
});
