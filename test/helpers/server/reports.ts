import { randomUUID } from 'node:crypto';
import { encodeReport } from '../../../agent/report/encode.ts';
import { emptyState, planReport, type ReportedState } from '../../../agent/report/plan.ts';
import type { NativeReport } from '../../../agent/report/types.ts';
import type { Finding, HostContext, ScanResult } from '../../../agent/model.ts';
import type { IngestItem } from '../../../server/ingest/report-types.ts';
import { finding, scanResult } from '../report-helpers.ts';

// Simulated agents for the server tests and the benchmark: each one plans its reports with the agent's
// own planner (full / delta / heartbeat, sequence numbers) and encodes them with the agent's encoder.

export { finding };

export class SimAgent {
  state: ReportedState = emptyState();
  constructor(
    readonly agentId: string,
    public hostname: string,
    public context: HostContext = { timezone: 'Europe/Berlin' },
  ) {}

  next(findings: Finding[], now = new Date(), over: Partial<ScanResult> = {}): NativeReport {
    const result = scanResult(findings, {
      host: {
        hostname: this.hostname,
        os: 'linux',
        osVersion: 'Debian 12',
        arch: 'x64',
        collectedAt: now.toISOString(),
        agentVersion: '0.1.0',
      },
      context: this.context,
      ...over,
    });
    const { report, state } = planReport({
      state: this.state,
      result,
      agentId: this.agentId,
      reportId: randomUUID(),
      fullStateEvery: 24,
      now,
    });
    this.state = state;
    return report;
  }
}

export function item(r: NativeReport | Record<string, unknown>, publicIp = '198.51.100.7', at = new Date()): IngestItem {
  const body = encodeReport(r as NativeReport, 'native').toString('utf8');
  return { report: JSON.parse(body), body, publicIp, receivedAt: at.toISOString() };
}
