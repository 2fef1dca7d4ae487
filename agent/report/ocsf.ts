import path from 'node:path';
import type { Evidence, OsName, ProcessEvidence, Severity } from '../model.ts';
import type { NativeReport, ReportedFinding, ResolvedEntry } from './types.ts';

// OCSF 1.3.0 Detection Finding, class_uid 2004 in category 2 (Findings). Shapes follow the schema
// sources in github.com/ocsf/ocsf-schema (browsable at https://schema.ocsf.io/1.3.0/classes/detection_finding):
//  - events/findings/detection_finding.json extends events/findings/finding.json, whose activity_id is
//    1 Create / 2 Update / 3 Close and whose finding_info is required;
//  - base_event requires activity_id, category_uid, class_uid, metadata, severity_id, time, type_uid,
//    with type_uid = class_uid * 100 + activity_id and severity_id 1 Informational .. 5 Critical;
//  - objects/finding_info.json (uid required; title, analytic recommended; attacks optional),
//    objects/analytic.json (type_id required, 1 = Rule), objects/metadata.json (product and version
//    required), objects/os.json (name and type_id required: 100 Windows, 200 Linux, 300 macOS),
//    objects/evidences.json (needs at least one of process, file, device, data, ...).

export const OCSF_VERSION = '1.3.0';

const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<Severity, string> = { info: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
const OS: Record<OsName, { name: string; type_id: number; type: string }> = {
  windows: { name: 'Windows', type_id: 100, type: 'Windows' },
  linux: { name: 'Linux', type_id: 200, type: 'Linux' },
  darwin: { name: 'macOS', type_id: 300, type: 'macOS' },
};
const ACTIVITY = { 1: 'Create', 2: 'Update', 3: 'Close' } as const;

// ATT&CK names for the techniques ratwatch reports; others are sent by id only. ATT&CK v17 retitled T1219
// "Remote Access Tools"; receivers built on earlier releases match the older title kept here.
const TECHNIQUES: Record<string, { name: string; tactic: { uid: string; name: string } }> = {
  T1219: { name: 'Remote Access Software', tactic: { uid: 'TA0011', name: 'Command and Control' } },
  'T1219.001': { name: 'IDE Tunneling', tactic: { uid: 'TA0011', name: 'Command and Control' } },
  'T1219.002': { name: 'Remote Desktop Software', tactic: { uid: 'TA0011', name: 'Command and Control' } },
  'T1219.003': { name: 'Remote Access Hardware', tactic: { uid: 'TA0011', name: 'Command and Control' } },
  T1572: { name: 'Protocol Tunneling', tactic: { uid: 'TA0011', name: 'Command and Control' } },
  T1133: { name: 'External Remote Services', tactic: { uid: 'TA0001', name: 'Initial Access' } },
  'T1021.001': { name: 'Remote Desktop Protocol', tactic: { uid: 'TA0008', name: 'Lateral Movement' } },
  'T1021.005': { name: 'VNC', tactic: { uid: 'TA0008', name: 'Lateral Movement' } },
};

function attacks(ids: string[]) {
  const list = ids.length ? ids : ['T1219'];
  return list.map((uid) => {
    const known = TECHNIQUES[uid];
    return known ? { technique: { uid, name: known.name }, tactic: known.tactic } : { technique: { uid } };
  });
}

// Evidence objects OCSF has (objects/evidences.json): process, file, device, src_endpoint/dst_endpoint,
// connection_info; every item also keeps its own fields under `data` so nothing is lost to the mapping.
function fileObject(p: string, sha256?: string) {
  return {
    name: path.basename(p.replace(/\\/g, '/')),
    path: p,
    type_id: 1, // Regular File
    type: 'Regular File',
    ...(sha256 ? { hashes: [{ algorithm_id: 3, algorithm: 'SHA-256', value: sha256 }] } : {}),
  };
}

function processObject(pid: number | undefined, name: string | undefined, more: Partial<ProcessEvidence> = {}) {
  return {
    ...(pid !== undefined ? { pid } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(more.cmdline ? { cmd_line: more.cmdline } : {}),
    ...(more.user ? { user: { name: more.user } } : {}),
    ...(more.exe ? { file: fileObject(more.exe, more.sha256) } : {}),
  };
}

const PROTO: Record<string, number> = { tcp: 6, tcp6: 6, udp: 17, udp6: 17 };

function evidence(e: Evidence) {
  const { type, ...data } = e;
  const base = { name: type, data: { type, ...data } };
  switch (e.type) {
    case 'process':
      return { ...base, process: processObject(e.pid, e.name, e) };
    case 'file':
      return { ...base, file: fileObject(e.path, e.sha256) };
    case 'package':
    case 'service':
      return e.path ? { ...base, file: fileObject(e.path) } : base;
    case 'socket':
      return {
        ...base,
        ...(e.pid !== undefined || e.process ? { process: processObject(e.pid, e.process) } : {}),
        src_endpoint: { ip: e.localAddress, port: e.localPort },
        ...(e.remoteAddress ? { dst_endpoint: { ip: e.remoteAddress, ...(e.remotePort !== undefined ? { port: e.remotePort } : {}) } } : {}),
        connection_info: { protocol_num: PROTO[e.proto] ?? 0, protocol_name: e.proto.replace(/6$/, ''), protocol_ver_id: e.proto.endsWith('6') ? 6 : 4 },
      };
    case 'banner':
      return {
        ...base,
        ...(e.pid !== undefined || e.process ? { process: processObject(e.pid, e.process) } : {}),
        src_endpoint: { ip: e.localAddress, port: e.port },
      };
    case 'cmdline-domain':
      return { ...base, process: processObject(e.pid, e.process), dst_endpoint: { hostname: e.host, domain: e.domain } };
    case 'device':
      return {
        ...base,
        device: {
          type_id: 99,
          type: 'Other',
          ...(e.name ?? e.product ? { name: e.name ?? e.product } : {}),
          ...(e.manufacturer ? { vendor_name: e.manufacturer } : {}),
          ...(e.product ? { model: e.product } : {}),
          ...(e.vendorId && e.productId ? { uid: `${e.bus}:${e.vendorId}:${e.productId}` } : {}),
        },
      };
    default:
      return base;
  }
}

function device(r: NativeReport) {
  const os = OS[r.host.os] ?? { name: r.host.os, type_id: 0, type: 'Unknown' };
  return {
    hostname: r.host.hostname,
    name: r.host.hostname,
    uid: r.agentId,
    type_id: 0,
    type: 'Unknown',
    os: { ...os, ...(r.host.osVersion ? { version: r.host.osVersion } : {}) },
  };
}

function common(r: NativeReport, activity: 1 | 2 | 3, severity: Severity, index: number) {
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activity,
    activity_name: ACTIVITY[activity],
    type_uid: 2004 * 100 + activity,
    type_name: `Detection Finding: ${ACTIVITY[activity]}`,
    time: Date.parse(r.sentAt),
    severity_id: SEVERITY_ID[severity] ?? 0,
    severity: SEVERITY_NAME[severity] ?? 'Unknown',
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'ratwatch', vendor_name: 'ratwatch', version: r.agentVersion },
      uid: `${r.reportId}:${index}`,
      correlation_uid: r.reportId,
      sequence: r.sequence,
    },
    device: device(r),
  };
}

function analytic(tool: ReportedFinding['tool']) {
  return { uid: tool.id, name: tool.name, category: tool.category, type_id: 1, type: 'Rule' };
}

function active(r: NativeReport, f: ReportedFinding, index: number) {
  const isNew = r.added.includes(f.id);
  const activity = isNew ? 1 : 2;
  return {
    ...common(r, activity, f.severity, index),
    message: `${f.tool.name} (${f.tool.category}) found on ${r.host.hostname}`,
    is_alert: isNew,
    status_id: 1,
    status: 'New',
    finding_info: {
      uid: f.id,
      title: `${f.tool.name} detected`,
      analytic: analytic(f.tool),
      attacks: attacks(f.attack),
      types: [f.tool.category],
      first_seen_time: Date.parse(f.firstSeen),
      last_seen_time: Date.parse(r.sentAt),
    },
    evidences: f.evidence.map(evidence),
    unmapped: { state: f.state },
  };
}

function closed(r: NativeReport, f: ResolvedEntry, index: number) {
  return {
    ...common(r, 3, f.severity, index),
    message: `${f.tool.name} (${f.tool.category}) no longer active on ${r.host.hostname} (${f.reason})`,
    is_alert: false,
    status_id: 4,
    status: 'Resolved',
    status_detail: f.reason,
    finding_info: {
      uid: f.id,
      title: `${f.tool.name} detected`,
      analytic: analytic(f.tool),
      attacks: attacks(['T1219']),
      types: [f.tool.category],
      first_seen_time: Date.parse(f.firstSeen),
      last_seen_time: Date.parse(f.resolvedAt),
    },
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
