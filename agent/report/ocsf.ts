import type { Finding, Severity } from '../model.ts';
import { attacks, categoryTechniques } from './ocsf-attack.ts';
import { evidenceObject, observables } from './ocsf-evidence.ts';
import { deviceObject, timezoneOffset, unmappedHost } from './ocsf-host.ts';
import type { NativeReport, ReportedFinding, ResolvedEntry } from './types.ts';

// OCSF 1.8.0 Detection Finding, class_uid 2004 in category 2 (Findings), from the schema sources in
// github.com/ocsf/ocsf-schema (https://schema.ocsf.io/1.8.0/classes/detection_finding):
//  - events/findings/detection_finding.json extends events/findings/finding.json (activity_id
//    1 Create / 2 Update / 3 Close; status_id 1 New, 3 Suppressed, 4 Resolved; finding_info required),
//    which extends events/base_event.json (activity_id, category_uid, class_uid, metadata, severity_id,
//    time, type_uid required; type_uid = class_uid * 100 + activity_id);
//  - the host profile adds `device` (type_id required), the objects are shaped in ocsf-evidence.ts and
//    ocsf-host.ts; `unmapped` carries what OCSF has no attribute for.

export const OCSF_VERSION = '1.8.0';

export const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
export const SEVERITY_NAME: Record<Severity, string> = {
  info: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};
const ACTIVITY = { 1: 'Create', 2: 'Update', 3: 'Close' } as const;
const PRODUCT = { name: 'ratwatch', vendor_name: 'ratwatch', uid: 'ratwatch' };

function common(r: NativeReport, activity: 1 | 2 | 3, severity: Severity, index: number) {
  const time = Date.parse(r.sentAt);
  const offset = timezoneOffset(r.context?.timezone, new Date(time));
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activity,
    activity_name: ACTIVITY[activity],
    type_uid: 2004 * 100 + activity,
    type_name: `Detection Finding: ${ACTIVITY[activity]}`,
    time,
    ...(offset !== undefined ? { timezone_offset: offset } : {}),
    severity_id: SEVERITY_ID[severity] ?? 0,
    severity: SEVERITY_NAME[severity] ?? 'Unknown',
    metadata: {
      version: OCSF_VERSION,
      product: { ...PRODUCT, version: r.agentVersion },
      profiles: ['host'],
      uid: `${r.reportId}:${index}`,
      correlation_uid: r.reportId,
      sequence: r.sequence,
    },
    device: deviceObject(r),
  };
}

function analytic(tool: Finding['tool']) {
  return { uid: tool.id, name: tool.name, category: tool.category, type_id: 1, type: 'Rule' };
}

// confidence_id 1 Low / 2 Medium / 3 High: evidence that names the tool by itself (a process, package,
// device...) is high; a finding standing only on corroborating items is medium.
function confidence(f: Finding) {
  const strong = f.evidence.some((e) => e.strength === 'strong');
  return strong ? { confidence_id: 3, confidence: 'High' } : { confidence_id: 2, confidence: 'Medium' };
}

function active(r: NativeReport, f: ReportedFinding, index: number) {
  const isNew = r.added.includes(f.id);
  const activity = isNew ? 1 : 2;
  const head = common(r, activity, f.severity, index);
  const evidences = f.evidence.map(evidenceObject);
  const obs = observables(head.device, evidences);
  const unmapped = { state: f.state, ...unmappedHost(r.context, r.sources) };
  return {
    ...head,
    message: `${f.tool.name} (${f.tool.category}) found on ${r.host.hostname}`,
    is_alert: isNew,
    status_id: 1,
    status: 'New',
    ...confidence(f),
    finding_info: {
      uid: f.id,
      title: `${f.tool.name} detected`,
      analytic: analytic(f.tool),
      attacks: attacks(f.attack.length ? f.attack : ['T1219']),
      types: [f.tool.category],
      first_seen_time: Date.parse(f.firstSeen),
      last_seen_time: Date.parse(r.sentAt),
    },
    evidences,
    ...(obs.length ? { observables: obs } : {}),
    unmapped,
  };
}

// A finding the policy now allows or suppresses was judged benign: "Suppressed". One no longer seen
// is "Resolved".
const CLOSED = {
  gone: { status_id: 4, status: 'Resolved' },
  allowed: { status_id: 3, status: 'Suppressed' },
  suppressed: { status_id: 3, status: 'Suppressed' },
} as const;

function closed(r: NativeReport, f: ResolvedEntry, index: number) {
  const head = common(r, 3, f.severity, index);
  const unmapped = unmappedHost(r.context, r.sources);
  return {
    ...head,
    message: `${f.tool.name} (${f.tool.category}) no longer active on ${r.host.hostname} (${f.reason})`,
    is_alert: false,
    ...(CLOSED[f.reason] ?? CLOSED.gone),
    status_detail: f.reason,
    finding_info: {
      uid: f.id,
      title: `${f.tool.name} detected`,
      analytic: analytic(f.tool),
      attacks: attacks(f.attack?.length ? f.attack : categoryTechniques(f.tool.category)),
      types: [f.tool.category],
      first_seen_time: Date.parse(f.firstSeen),
      last_seen_time: Date.parse(f.resolvedAt),
    },
    observables: observables(head.device, []),
    ...(Object.keys(unmapped).length ? { unmapped } : {}),
  };
}

/**
 * One Detection Finding per reported finding (Create when new, Update when re-stated by a full report)
 * and one Close per resolved finding. A heartbeat has no finding and maps to an empty array; its
 * liveness travels in the X-Ratwatch-* headers of the request.
 */
export function toOcsfEvents(r: NativeReport): object[] {
  return [...r.findings.map((f, i) => active(r, f, i)), ...r.resolved.map((f, i) => closed(r, f, r.findings.length + i))];
}
