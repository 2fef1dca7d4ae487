import type { NativeReport } from './types.ts';

// Splunk HTTP Event Collector "event" endpoint: POST /services/collector/event with
// `Authorization: Splunk <token>`; a batch is JSON event objects written one after another, each with
// time (epoch seconds), host, source, sourcetype and event (Splunk docs: "Format events for HTTP Event
// Collector", help.splunk.com). HEC refuses an empty body, so every report carries one summary event.

export const HEC_PATH = '/services/collector/event';

export function toHecBody(r: NativeReport): string {
  const time = Date.parse(r.sentAt) / 1000;
  const envelope = (sourcetype: string, event: object) =>
    JSON.stringify({ time, host: r.host.hostname, source: 'ratwatch', sourcetype, event });
  const ids = { reportId: r.reportId, agentId: r.agentId, kind: r.kind, sequence: r.sequence };
  const parts = [
    envelope('ratwatch:report', {
      ...ids,
      scanId: r.scanId,
      agentVersion: r.agentVersion,
      host: r.host,
      context: r.context,
      summary: r.summary,
      inventory: r.inventory,
      failedSources: r.sources.filter((s) => !s.ok).map((s) => ({ name: s.name, error: s.error })),
    }),
    ...r.findings.map((f) => envelope('ratwatch:finding', { ...ids, action: r.added.includes(f.id) ? 'new' : 'present', finding: f })),
    ...r.resolved.map((f) => envelope('ratwatch:finding', { ...ids, action: 'resolved', finding: f })),
  ];
  return parts.join('\n');
}
