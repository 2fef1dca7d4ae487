// The alert's evidence as short plain-text lines for people (Slack, mail). The values in them come from
// agents on laptops we suspect: each channel escapes them for its own syntax; here they only lose control
// characters and get bounded.
import type { CoreAlertDraft, NotifyAlert } from './types.ts';

const MAX_HOST_LINES = 20;

/** One line, no control characters, at most `max` characters. */
export function oneLine(v: unknown, max = 200): string {
  const s = String(v ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function subjectLine(a: NotifyAlert): string {
  return oneLine(`[ratwatch] ${a.severity.toUpperCase()} ${a.rule}: ${a.title}`, 250);
}

export function evidenceLines(a: NotifyAlert): string[] {
  if (isCoreAlert(a)) return coreLines(a);
  const e = a.explanation;
  const out: string[] = [];
  if (e.kind === 'farm') {
    out.push(`Rules met: ${e.rules.join(', ')}`);
    out.push(`${e.hostCount} hosts, ${e.distinctUsers} distinct users, seen ${e.window.from} to ${e.window.to}`);
    for (const n of e.networks.slice(0, 10))
      out.push(`Shared ${n.kind} ${oneLine(n.value, 60)}: ${n.hostCount} hosts, ${n.userCount} users`);
    out.push(
      `Thresholds: ${e.thresholds.macHighMin}+ users high, ${e.thresholds.macCriticalMin}+ critical, ` +
        `${e.thresholds.publicIpMin}+ hosts per public IP, window ${e.thresholds.windowHours} h`,
    );
    for (const h of e.hosts.slice(0, MAX_HOST_LINES)) {
      const tools = h.remoteAccess.map((t) => `${oneLine(t.toolName, 60)} (${t.category})`).join(', ');
      out.push(`Host ${oneLine(h.hostname, 80)}${h.user ? ` user ${oneLine(h.user, 80)}` : ''}${tools ? `: ${tools}` : ''}`);
    }
    if (e.hostCount > MAX_HOST_LINES) out.push(`… and ${e.hostCount - MAX_HOST_LINES} more hosts`);
  } else {
    out.push(`Host ${oneLine(e.host.hostname, 80)}${e.host.user ? ` user ${oneLine(e.host.user, 80)}` : ''}`);
    for (const m of e.mismatches.slice(0, 20)) {
      const exp = [m.expected.countries?.join('/'), m.expected.timezones?.join('/')].filter(Boolean).join(', ');
      out.push(
        `${m.field} ${oneLine(m.value, 80)}${m.country ? ` (${m.country})` : ''}: ` +
          (m.always ? 'critical for every user' : `expected ${exp || 'nothing set'}`),
      );
    }
  }
  return out;
}

export function isCoreAlert(a: NotifyAlert): a is CoreAlertDraft & { id: string; url?: string } {
  return a.rule !== 'laptop-farm' && a.rule !== 'region-mismatch';
}

/** Liveness and tamper alerts: flat values, the host first, at most 12 more lines. */
function coreLines(a: CoreAlertDraft): string[] {
  const out: string[] = [];
  const e = a.explanation;
  if (typeof e.hostname === 'string') out.push(`Host ${oneLine(e.hostname, 80)}`);
  out.push(`Agent ${oneLine(a.agentIds.join(', '), 200)}`);
  for (const [k, v] of Object.entries(e)
    .filter(([k]) => k !== 'kind' && k !== 'hostname')
    .slice(0, 12)) {
    out.push(`${oneLine(k, 40)}: ${oneLine(typeof v === 'object' && v !== null ? JSON.stringify(v) : v, 160)}`);
  }
  return out;
}
