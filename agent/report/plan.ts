import type { Finding, ScanResult, Severity } from '../model.ts';
import { VERSION } from '../version.ts';
import { REPORT_SCHEMA } from '../vocabulary.ts';
import type { NativeReport, ReportedFinding, ResolvedEntry } from './types.ts';

/**
 * What the receiver knows once every report already in the spool is delivered. It is advanced when a
 * report is durably spooled, not when the endpoint acknowledges it: the spool is the delivery promise,
 * and comparing against acknowledged state would re-announce the same change every cycle while the
 * endpoint is down.
 */
export interface ReportedState {
  schema: 'ratwatch.state/1';
  cycle: number; // reports made so far
  sequence: number; // last sequence number used
  lastFullCycle: number; // 0 = never
  forceFull: boolean; // set when a report with findings was rejected or quarantined
  findings: Record<string, { tool: Finding['tool']; severity: Severity; firstSeen: string; attack?: string[] }>; // attack: absent in state written before it was kept
}

export function emptyState(): ReportedState {
  return { schema: 'ratwatch.state/1', cycle: 0, sequence: 0, lastFullCycle: 0, forceFull: false, findings: {} };
}

export interface PlanInput {
  state: ReportedState;
  result: ScanResult;
  agentId: string;
  reportId: string;
  fullStateEvery: number;
  now: Date;
  /** Highest sequence found among spooled files, in case state.json lagged behind a crash. */
  minSequence?: number;
}

/** Pure: decides this cycle's single report (full, delta or heartbeat) and the state that follows it. */
export function planReport(input: PlanInput): { report: NativeReport; state: ReportedState } {
  const { state, result, now } = input;
  const at = now.toISOString();
  const active = new Map<string, Finding>();
  const inactiveStatus = new Map<string, 'allowed' | 'suppressed'>();
  const inactiveAttack = new Map<string, string[]>();
  for (const f of result.findings) {
    if (f.status === 'finding') {
      if (!active.has(f.id)) active.set(f.id, f);
    } else if (!inactiveStatus.has(f.id)) {
      inactiveStatus.set(f.id, f.status);
      inactiveAttack.set(f.id, f.attack);
    }
  }
  // A finding can be both active (one evidence set) and allowed (another) only with the same id by mistake; active wins.
  const added = [...active.keys()].filter((id) => !(id in state.findings));
  const resolved: ResolvedEntry[] = Object.entries(state.findings)
    .filter(([id]) => !active.has(id))
    .map(([id, prev]) => ({
      id,
      tool: prev.tool,
      severity: prev.severity,
      reason: inactiveStatus.get(id) ?? 'gone',
      firstSeen: prev.firstSeen,
      resolvedAt: at,
      ...((inactiveAttack.get(id) ?? prev.attack) ? { attack: inactiveAttack.get(id) ?? prev.attack } : {}),
    }));

  const cycle = state.cycle + 1;
  const full = state.cycle === 0 || state.forceFull || cycle - state.lastFullCycle >= input.fullStateEvery;
  const kind = full ? 'full' : added.length || resolved.length ? 'delta' : 'heartbeat';

  const firstSeen = (id: string) => state.findings[id]?.firstSeen ?? at;
  // Stryker disable next-line ConditionalExpression: a heartbeat has no added findings, so mapping them gives [] too
  const shown = kind === 'full' ? [...active.values()] : kind === 'delta' ? added.map((id) => active.get(id)!) : [];
  const findings: ReportedFinding[] = shown.map((f) => ({ ...f, firstSeen: firstSeen(f.id) }));

  const sequence = Math.max(state.sequence, input.minSequence ?? 0) + 1;
  const all = result.findings;
  const report: NativeReport = {
    schema: REPORT_SCHEMA,
    reportId: input.reportId,
    agentId: input.agentId,
    kind,
    sequence,
    sentAt: at,
    agentVersion: VERSION,
    // The server counts scans that ran without root / Administrator (missing other users' processes).
    ...(typeof result.privileged === 'boolean' ? { privileged: result.privileged } : {}),
    scanId: result.scanId,
    host: result.host,
    context: result.context,
    sources: result.sources,
    findings,
    added,
    resolved,
    inventory: result.counts,
    catalog: result.catalog,
    summary: {
      active: active.size,
      allowed: all.filter((f) => f.status === 'allowed').length,
      suppressed: all.filter((f) => f.status === 'suppressed').length,
      failedSources: result.sources.filter((s) => !s.ok).length,
    },
  };
  const next: ReportedState = {
    schema: 'ratwatch.state/1',
    cycle,
    sequence,
    lastFullCycle: full ? cycle : state.lastFullCycle,
    forceFull: false,
    findings: Object.fromEntries(
      [...active.values()].map((f) => [f.id, { tool: f.tool, severity: f.severity, firstSeen: firstSeen(f.id), attack: f.attack }]),
    ),
  };
  return { report, state: next };
}

/** Accepts a parsed state.json, or says why not (then the reporter starts over with a full report). */
export function stateProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return 'not a JSON object';
  const s = x as Partial<ReportedState>;
  if (s.schema !== 'ratwatch.state/1') return 'schema is not ratwatch.state/1';
  for (const k of ['cycle', 'sequence', 'lastFullCycle'] as const) {
    if (!Number.isInteger(s[k]) || (s[k] as number) < 0) return `${k} is not a non-negative integer`;
  }
  if (typeof s.findings !== 'object' || s.findings === null || Array.isArray(s.findings)) return 'findings is not an object';
  return undefined;
}
