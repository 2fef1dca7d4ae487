import { describe, expect, it } from 'vitest';
import { reportProblem } from '../../../../agent/report/types.ts';
import { upgradeReport, upgradeScanResult } from '../../../../agent/report/upgrade.ts';
import { checkScanResult } from '../../../../agent/validate.ts';
import { finding, scanResult } from '../../../helpers/report-helpers.ts';

// What an agent before evidence-as-data wrote: {type, value} evidence and no state.
const v1Finding = {
  id: 'f51e2c8b3660681b',
  tool: { id: 'x11vnc', name: 'x11vnc', category: 'remote-desktop' },
  severity: 'high',
  status: 'finding',
  attack: ['T1219'],
  evidence: [
    { type: 'package', value: 'x11vnc 0.9.16-9 (dpkg)' },
    { type: 'process-renamed', value: 'sysmond (pid 900) is a copy of /usr/bin/x11vnc (sha256:ab)' },
  ],
};

describe('version 1 readers', () => {
  it('reads a version 1 spooled report as version 2, keeping the evidence text as written', () => {
    const v2 = scanResult([finding('x:1')]);
    const v1 = {
      schema: 'ratwatch.report/1',
      reportId: '11111111-1111-4111-8111-111111111111',
      agentId: 'a',
      kind: 'full',
      sequence: 3,
      sentAt: '2026-11-23T10:00:00Z',
      agentVersion: '0.1.0',
      scanId: 's',
      host: v2.host,
      context: {},
      sources: [],
      findings: [{ ...v1Finding, firstSeen: '2026-11-23T10:00:00Z' }],
      added: [],
      resolved: [],
      inventory: v2.counts,
      catalog: v2.catalog,
      summary: { active: 1, allowed: 0, suppressed: 0, failedSources: 0 },
    };
    const up = upgradeReport(v1) as Record<string, any>;
    expect(reportProblem(up)).toBeUndefined();
    expect(up.schema).toBe('ratwatch.report/2');
    expect(up.findings[0].state).toBe('running'); // from the version 1 type process-renamed
    expect(up.findings[0].evidence).toEqual([
      { type: 'legacy', strength: 'strong', kind: 'package', text: 'x11vnc 0.9.16-9 (dpkg)' },
      { type: 'legacy', strength: 'strong', kind: 'process-renamed', text: 'sysmond (pid 900) is a copy of /usr/bin/x11vnc (sha256:ab)' },
    ]);
    expect(reportProblem(v1)).toBe('schema is not ratwatch.report/2'); // only through the reader
  });

  it('reads a version 1 scan result, and leaves version 2 alone', () => {
    const v2 = scanResult([finding('0123456789abcdef')]);
    const v1 = { ...v2, schema: 'ratwatch.scan/1', findings: [v1Finding] };
    const r = checkScanResult(v1);
    expect(r.findings[0]).toMatchObject({
      state: 'running',
      evidence: [
        { type: 'legacy', kind: 'package' },
        { type: 'legacy', kind: 'process-renamed' },
      ],
    });
    expect(upgradeScanResult(v2)).toBe(v2);
    expect(checkScanResult(JSON.parse(JSON.stringify(v2))).findings[0].evidence[0]).toMatchObject({ type: 'process', pid: 4100 });
  });
});
