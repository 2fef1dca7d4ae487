import type { Evidence, Finding, FindingState } from '../model.ts';
import { REPORT_SCHEMA, SCAN_SCHEMA } from '../vocabulary.ts';

// Readers for what an older agent wrote: version 1 reports (still in a spool after an upgrade) and
// version 1 scan results (saved `scan --json` output). Version 1 evidence was {type, value} with a sentence
// as value; it becomes `legacy` evidence with the sentence kept as text (never parsed), and the finding's
// state is read from the version 1 evidence types.

const V1_STATE: Record<string, FindingState> = {
  process: 'running',
  'process-renamed': 'running',
  'pe-original-filename': 'running',
  'bundle-id': 'running',
  'cmdline-domain': 'running',
  socket: 'listening',
  banner: 'listening',
  setting: 'configured',
};
const ORDER: FindingState[] = ['running', 'listening', 'configured', 'installed'];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function upgradeFinding(f: unknown): unknown {
  if (!isObject(f) || !Array.isArray(f.evidence)) return f;
  const evidence: Evidence[] = [];
  let best = ORDER.length - 1;
  for (const e of f.evidence as unknown[]) {
    if (!isObject(e) || typeof e.type !== 'string' || typeof e.value !== 'string') continue;
    evidence.push({ type: 'legacy', strength: 'strong', kind: e.type, text: e.value });
    const s = V1_STATE[e.type];
    if (s) best = Math.min(best, ORDER.indexOf(s));
  }
  return { ...f, state: f.state ?? ORDER[best], evidence } as Partial<Finding>;
}

/** A version 1 report as version 2; anything else is returned as it is (the caller validates it). */
export function upgradeReport(x: unknown): unknown {
  if (!isObject(x) || x.schema !== 'ratwatch.report/1') return x;
  return { ...x, schema: REPORT_SCHEMA, findings: Array.isArray(x.findings) ? x.findings.map(upgradeFinding) : x.findings };
}

/** A version 1 scan result as version 2; anything else is returned as it is. */
export function upgradeScanResult(x: unknown): unknown {
  if (!isObject(x) || x.schema !== 'ratwatch.scan/1') return x;
  return { ...x, schema: SCAN_SCHEMA, findings: Array.isArray(x.findings) ? x.findings.map(upgradeFinding) : x.findings };
}
