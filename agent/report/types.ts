import { REPORT_SCHEMA } from '../vocabulary.ts';
import type { Finding, HostContext, ScanResult, Severity, SourceStatus } from '../model.ts';

export type ReportKind = 'full' | 'delta' | 'heartbeat';

/** A finding as reported: the scan's finding plus when this agent first reported it. */
export type ReportedFinding = Finding & { firstSeen: string };

/** A finding that was reported before and is no longer active. */
export interface ResolvedEntry {
  id: string;
  tool: Finding['tool'];
  severity: Severity;
  reason: 'gone' | 'allowed' | 'suppressed'; // not seen any more, or now allowed / suppressed by policy
  firstSeen: string;
  resolvedAt: string;
  /** The finding's MITRE ATT&CK techniques; absent when it was reported by an agent that did not keep them. */
  attack?: string[];
}

/**
 * ratwatch.report/2, the native payload (version 1 reports are read through report/upgrade.ts). Each cycle makes exactly one report: `full` (the whole active
 * state, at first run and every fullStateEvery cycles), `delta` (what changed) or `heartbeat` (nothing
 * changed; proves the agent is alive). reportId is stable across retries so receivers can drop duplicates.
 */
export interface NativeReport {
  schema: typeof REPORT_SCHEMA;
  reportId: string; // uuid
  agentId: string;
  kind: ReportKind;
  sequence: number; // per agent, +1 per report
  sentAt: string; // ISO 8601, when the report was made (retries keep it)
  agentVersion: string;
  privileged?: boolean; // the scan's own flag; absent for replayed inventories
  scanId: string;
  host: ScanResult['host'];
  context: HostContext;
  sources: SourceStatus[];
  /** full: every active finding; delta: the new ones; heartbeat: none. */
  findings: ReportedFinding[];
  /** Ids among `findings` first reported in this report. */
  added: string[];
  resolved: ResolvedEntry[];
  inventory: ScanResult['counts'];
  catalog: ScanResult['catalog'];
  summary: { active: number; allowed: number; suppressed: number; failedSources: number };
}

export const REPORT_KINDS: readonly ReportKind[] = ['full', 'delta', 'heartbeat'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why a parsed spool file is not a usable report, or undefined. Shallow: the spool wrote it, this catches damage. */
export function reportProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not a JSON object';
  const r = x as Partial<NativeReport>;
  if (r.schema !== REPORT_SCHEMA) return `schema is not ${REPORT_SCHEMA}`;
  if (typeof r.reportId !== 'string' || !UUID.test(r.reportId)) return 'reportId is not a uuid';
  if (typeof r.agentId !== 'string' || r.agentId === '') return 'agentId missing';
  if (!REPORT_KINDS.includes(r.kind as ReportKind)) return 'kind is not full, delta or heartbeat';
  if (!Number.isInteger(r.sequence) || (r.sequence as number) < 1) return 'sequence is not a positive integer';
  if (typeof r.sentAt !== 'string' || Number.isNaN(Date.parse(r.sentAt))) return 'sentAt is not a date';
  if (typeof r.host !== 'object' || r.host === null || typeof r.host.hostname !== 'string') return 'host missing';
  for (const k of ['findings', 'added', 'resolved', 'sources'] as const) {
    if (!Array.isArray(r[k])) return `${k} is not an array`;
  }
  if (!r.findings!.every((f) => f && typeof f.id === 'string' && f.tool && typeof f.tool.name === 'string'))
    return 'a finding lacks id or tool';
  if (!r.resolved!.every((f) => f && typeof f.id === 'string' && f.tool && typeof f.tool.name === 'string'))
    return 'a resolved entry lacks id or tool';
  return undefined;
}
