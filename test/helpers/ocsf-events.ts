import { scanOnce } from '../../agent/cli/scan-command.ts';
import type { ScanResult } from '../../agent/model.ts';
import { encodeReport } from '../../agent/report/encode.ts';
import { emptyState, planReport } from '../../agent/report/plan.ts';

/**
 * The OCSF events an agent sends for a scan result: the report the daemon plans, encoded in the `ocsf`
 * format exactly as delivery does, then a second report in which every finding is gone (the Close events).
 */
export function ocsfEventsOf(result: ScanResult, now = new Date('2026-12-01T12:00:00Z')): Array<Record<string, any>> {
  const first = planReport({
    state: emptyState(),
    result,
    agentId: 'agent-ocsf',
    reportId: '33333333-3333-4333-8333-333333333333',
    fullStateEvery: 24,
    now,
  });
  const gone = planReport({
    state: first.state,
    result: { ...result, findings: [] },
    agentId: 'agent-ocsf',
    reportId: '44444444-4444-4444-8444-444444444444',
    fullStateEvery: 24,
    now: new Date(now.getTime() + 3_600_000),
  });
  return [first.report, gone.report].flatMap((r) => JSON.parse(encodeReport(r, 'ocsf').toString()) as Array<Record<string, any>>);
}

/** `scan --inventory <file>`'s result, through the CLI's own scan function. */
export function scanInventory(file: string): Promise<ScanResult> {
  return scanOnce({ inventory: file });
}

/**
 * Rules of OCSF 1.8.0 the mapping must keep, checked on every emitted object (objects/process.json
 * at_least_one pid/uid, file name and type_id required, device type_id required,
 * network_connection_info direction_id required, fingerprint algorithm_id and value required,
 * attack names from the table), returned as one line per break.
 */
export function ocsfRuleBreaks(e: Record<string, any>): string[] {
  const out: string[] = [];
  const visit = (v: unknown, at: string, key: string) => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) visit(x, `${at}[${i}]`, key);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (key === 'process' || key === 'parent_process') {
      if (!Number.isInteger(o.pid) && o.uid === undefined) out.push(`${at}: process without pid or uid`);
    }
    if (key === 'file' && (typeof o.name !== 'string' || !Number.isInteger(o.type_id))) out.push(`${at}: file without name or type_id`);
    if (key === 'device' && !Number.isInteger(o.type_id)) out.push(`${at}: device without type_id`);
    if (key === 'connection_info' && !Number.isInteger(o.direction_id)) out.push(`${at}: connection_info without direction_id`);
    if (key === 'hashes' && (!Number.isInteger(o.algorithm_id) || typeof o.value !== 'string'))
      out.push(`${at}: fingerprint without algorithm_id or value`);
    if (key === 'signature') out.push(`${at}: signature sent without the certificate digital_signature needs`);
    if (key === 'attacks' && o.technique?.uid?.length === 5 && !o.technique.name)
      out.push(`${at}: technique ${o.technique.uid} without name`);
    for (const [k, x] of Object.entries(o)) if (k !== 'data' && k !== 'unmapped') visit(x, `${at}.${k}`, k);
  };
  visit(e, '', '');
  if (e.type_uid !== e.class_uid * 100 + e.activity_id) out.push('type_uid is not class_uid * 100 + activity_id');
  if (e.metadata?.version !== '1.8.0') out.push(`metadata.version ${e.metadata?.version}`);
  if (!e.metadata?.product?.uid) out.push('metadata.product.uid missing');
  return out;
}
