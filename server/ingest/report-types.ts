import type { Category, HostContext, Severity } from '../../agent/model.ts';

// A report as the server accepts it: ratwatch.report/1 (agent/report/types.ts) or /2, which adds a
// finding `state` and typed evidence objects. Evidence is kept as the agent sent it; the server reads
// nothing from it but stores it.

export interface IncomingFinding {
  id: string;
  tool: { id: string; name: string; category: Category };
  severity: Severity;
  status: 'finding' | 'allowed' | 'suppressed';
  state?: string;
  evidence: Array<{ type: string; [k: string]: unknown }>;
  firstSeen?: string;
}

export interface IncomingResolved {
  id: string;
  tool: { id: string; name: string; category: Category };
  severity: Severity;
  reason: string;
  firstSeen?: string;
  resolvedAt: string;
}

export interface IncomingReport {
  schema: 'ratwatch.report/1' | 'ratwatch.report/2';
  reportId: string;
  agentId: string;
  kind: 'full' | 'delta' | 'heartbeat';
  sequence: number;
  sentAt: string;
  agentVersion: string;
  /** Optional: false when the agent says the scan ran without root / Administrator. */
  privileged?: boolean;
  host: { hostname: string; os: string; osVersion?: string; arch?: string; user?: string };
  context: HostContext;
  sources: Array<{ name: string; ok: boolean }>;
  findings: IncomingFinding[];
  added: string[];
  resolved: IncomingResolved[];
}

/** One report on its way into the store, with what the server itself saw. */
export interface IngestItem {
  report: IncomingReport;
  body: string; // inflated JSON as received
  publicIp: string | null;
  receivedAt: string; // ISO
}

export type IngestOutcome = 'stored' | 'duplicate';
