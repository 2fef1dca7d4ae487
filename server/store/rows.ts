import type { Selectable } from 'kysely';
import type { AlertsTable, FindingsTable, HostsTable } from './schema.ts';
import type { AlertRow, FindingRow, HostRow } from './types.ts';
import type { AlertStatus, HostStatus } from '../vocabulary.ts';

// Database rows to API shapes, in one place.

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function hostRow(h: Selectable<HostsTable>): HostRow {
  const context: HostRow['context'] = {};
  if (h.timezone) context.timezone = h.timezone;
  if (h.locale) context.locale = h.locale;
  if (h.input_methods) context.inputMethods = parseJson<string[]>(h.input_methods, []);
  if (h.gateway_mac) context.defaultGatewayMac = h.gateway_mac;
  if (h.wifi_ssid) context.wifiSsid = h.wifi_ssid;
  if (h.wifi_bssid) context.wifiBssid = h.wifi_bssid;
  return {
    agentId: h.agent_id,
    hostname: h.hostname,
    os: h.os,
    osVersion: h.os_version,
    arch: h.arch,
    agentVersion: h.agent_version,
    user: h.user_name,
    firstSeen: h.first_seen,
    lastSeen: h.last_seen,
    lastSequence: Number(h.last_sequence),
    expectedIntervalS: h.expected_interval_s,
    status: h.status as HostStatus,
    privileged: h.privileged === null ? null : h.privileged === 1,
    publicIp: h.public_ip,
    context,
    openFindings: h.open_findings,
  };
}

export function findingRow(f: Selectable<FindingsTable> & { hostname?: string }): FindingRow {
  return {
    agentId: f.agent_id,
    ...(f.hostname !== undefined ? { hostname: f.hostname } : {}),
    findingId: f.finding_id,
    tool: { id: f.tool_id, name: f.tool_name, category: f.category },
    severity: f.severity,
    status: f.status,
    state: f.state,
    evidence: parseJson<unknown[]>(f.evidence, []),
    firstSeen: f.first_seen,
    lastSeen: f.last_seen,
    resolvedAt: f.resolved_at,
    resolvedReason: f.resolved_reason,
  };
}

export function alertRow(a: Selectable<AlertsTable>): AlertRow {
  return {
    id: Number(a.id),
    rule: a.rule,
    subject: a.subject,
    severity: a.severity,
    title: a.title,
    explanation: parseJson<unknown>(a.explanation, null),
    agentIds: parseJson<string[]>(a.agent_ids, []),
    status: a.status as AlertStatus,
    firstSeen: a.first_seen,
    lastSeen: a.last_seen,
    occurrences: a.occurrences,
    ackBy: a.ack_by,
    ackAt: a.ack_at,
    closedBy: a.closed_by,
    closedAt: a.closed_at,
  };
}
