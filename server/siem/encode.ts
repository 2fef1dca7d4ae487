import { OCSF_VERSION, SEVERITY_ID, SEVERITY_NAME, toOcsfEvents } from '../../agent/report/ocsf.ts';
import { hecEnvelope, toHecEvents, type HecOptions } from '../../agent/report/splunk.ts';
import type { NativeReport } from '../../agent/report/types.ts';
import { reportProblem } from '../../agent/report/types.ts';
import { upgradeReport } from '../../agent/report/upgrade.ts';
import type { Severity } from '../../agent/vocabulary.ts';
import type { AlertRow } from '../store/types.ts';

// Events for a SIEM, made with the agent's own encoders (agent/report/ocsf.ts, splunk.ts) from the
// reports as stored, so a finding looks the same whether the agent sent it to the SIEM or the server
// forwarded it. Alerts exist only on the server and get their own small mapping here.

export interface SiemEvent {
  key: string;
  body: string;
}

/** A stored report body as the agent's encoders take it; undefined when it cannot be one. */
export function storedReport(body: string): NativeReport | undefined {
  let r: unknown;
  try {
    r = upgradeReport(JSON.parse(body));
  } catch {
    return undefined;
  }
  if (reportProblem(r)) return undefined;
  const rep = r as NativeReport;
  // Fields the server's schema leaves optional and the encoders read.
  for (const f of rep.findings) f.attack ??= [];
  return rep;
}

/** Whether a report carries findings news worth forwarding (not a bare full-state restatement of nothing). */
export function hasFindings(r: NativeReport): boolean {
  return r.findings.some((f) => f.status === 'finding') || r.resolved.length > 0;
}

/** OCSF Detection Findings of one report: Create for new, Update for restated, Close for resolved. */
export function ocsfReportEvents(r: NativeReport): SiemEvent[] {
  const active = { ...r, findings: r.findings.filter((f) => f.status === 'finding') };
  return toOcsfEvents(active).map((e) => ({ key: String((e as { metadata: { uid: string } }).metadata.uid), body: JSON.stringify(e) }));
}

export function hecReportEvents(r: NativeReport, opts: HecOptions): SiemEvent[] {
  return toHecEvents(r, opts).map((body, n) => ({ key: `${r.reportId}:${n}`, body }));
}

export const alertKey = (a: Pick<AlertRow, 'id'> & { notifiedAt: string }) => `alert:${a.id}:${a.notifiedAt}`;

/**
 * An alert as an OCSF 1.8.0 Detection Finding (class 2004, activity 1 Create: the alert opened or
 * reopened), `finding_info.analytic` naming the rule; the explanation stays as data in `unmapped`.
 */
export function ocsfAlertEvent(a: AlertRow & { notifiedAt: string }, serverVersion: string): SiemEvent {
  const key = alertKey(a);
  const event = {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    time: Date.parse(a.notifiedAt),
    severity_id: SEVERITY_ID[a.severity as Severity] ?? 0,
    severity: SEVERITY_NAME[a.severity as Severity] ?? 'Unknown',
    message: a.title,
    is_alert: true,
    status_id: 1,
    status: 'New',
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'ratwatch-server', vendor_name: 'ratwatch', uid: 'ratwatch-server', version: serverVersion },
      uid: key,
    },
    finding_info: {
      uid: `ratwatch-alert:${a.id}`,
      title: a.title,
      types: [a.rule],
      analytic: { uid: a.rule, name: a.rule, type_id: 1, type: 'Rule' },
      first_seen_time: Date.parse(a.firstSeen),
      last_seen_time: Date.parse(a.lastSeen),
    },
    unmapped: { rule: a.rule, subject: a.subject, agent_ids: a.agentIds, occurrences: a.occurrences, explanation: a.explanation },
  };
  return { key, body: JSON.stringify(event) };
}

export function hecAlertEvent(a: AlertRow & { notifiedAt: string }, opts: HecOptions): SiemEvent {
  const key = alertKey(a);
  return {
    key,
    body: hecEnvelope(
      {
        time: Date.parse(a.notifiedAt) / 1000,
        host: 'ratwatch-server',
        source: 'ratwatch-server',
        sourcetype: 'ratwatch:alert',
        eventId: key,
        event: {
          schema: 'ratwatch.alert/1',
          id: String(a.id),
          rule: a.rule,
          subject: a.subject,
          severity: a.severity,
          title: a.title,
          agentIds: a.agentIds,
          firstSeen: a.firstSeen,
          lastSeen: a.lastSeen,
          occurrences: a.occurrences,
          explanation: a.explanation,
        },
      },
      opts,
    ),
  };
}
