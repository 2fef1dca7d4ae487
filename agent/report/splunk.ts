import type { NativeReport } from './types.ts';

// Splunk HTTP Event Collector "event" endpoint: POST /services/collector/event with
// `Authorization: Splunk <token>`; a batch is JSON event objects written one after another, each with
// time (epoch seconds), host, source, sourcetype, optional index, event and fields (indexed fields)
// (Splunk docs: "Format events for HTTP Event Collector", help.splunk.com). HEC refuses an empty body,
// so every report carries one summary event.

export const HEC_PATH = '/services/collector/event';

export interface HecOptions {
  index?: string | undefined;
  fields?: Record<string, string> | undefined;
}

/**
 * `<reportId>:<n>`, the same on every resend of a report. HEC has no idempotency of its own: a report
 * resent after an acknowledgment that never came is indexed twice, and `| dedup ratwatch_event_id` in a
 * search (an indexed field, so cheap) removes the copies.
 */
export function hecEventId(reportId: string, n: number): string {
  return `${reportId}:${n}`;
}

/** One HEC event as JSON text: ratwatch's envelope, also used by ratwatch-server's SIEM forwarding. */
export function hecEnvelope(
  e: { time: number; host: string; source?: string; sourcetype: string; event: object; eventId: string },
  opts: HecOptions = {},
): string {
  return JSON.stringify({
    time: e.time,
    host: e.host,
    source: e.source ?? 'ratwatch',
    sourcetype: e.sourcetype,
    ...(opts.index ? { index: opts.index } : {}),
    event: e.event,
    fields: { ...opts.fields, ratwatch_event_id: e.eventId },
  });
}

/** The report as HEC events, one JSON text each, in a fixed order (a resend skips the ones already indexed by position). */
export function toHecEvents(r: NativeReport, opts: HecOptions = {}): string[] {
  const time = Date.parse(r.sentAt) / 1000;
  const envelope = (n: number, sourcetype: string, event: object) =>
    hecEnvelope({ time, host: r.host.hostname, sourcetype, event, eventId: hecEventId(r.reportId, n) }, opts);
  const ids = { reportId: r.reportId, agentId: r.agentId, kind: r.kind, sequence: r.sequence };
  const bodies: Array<[string, object]> = [
    [
      'ratwatch:report',
      {
        ...ids,
        scanId: r.scanId,
        agentVersion: r.agentVersion,
        host: r.host,
        context: r.context,
        summary: r.summary,
        inventory: r.inventory,
        failedSources: r.sources.filter((s) => !s.ok).map((s) => ({ name: s.name, error: s.error })),
      },
    ],
    ...r.findings.map((f): [string, object] => [
      'ratwatch:finding',
      { ...ids, action: r.added.includes(f.id) ? 'new' : 'present', finding: f },
    ]),
    ...r.resolved.map((f): [string, object] => ['ratwatch:finding', { ...ids, action: 'resolved', finding: f }]),
  ];
  return bodies.map(([sourcetype, event], n) => envelope(n, sourcetype, event));
}

export function toHecBody(r: NativeReport, opts: HecOptions = {}): string {
  return toHecEvents(r, opts).join('\n');
}
