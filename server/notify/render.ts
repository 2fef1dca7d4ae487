// The alert's evidence as short plain-text lines for people (Slack, mail). The values in them come from
// agents on laptops we suspect: each channel escapes them for its own syntax; here they only lose control
// characters and get bounded.
import type { CoreAlertDraft, NotifyAlert } from './types.ts';

const MAX_HOST_LINES = 20;

/**
 * One line of plain text for people (mail, Slack), at most `max` characters: control, line-separator and
 * bidi/invisible characters become a space, not an escape, since a person reads it (a right-to-left
 * override would make "gnp.exe" read as "exe.png"). Log lines escape instead: agent/log-line.ts.
 */
export function plainLine(v: unknown, max = 200): string {
  const s = String(v ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function subjectLine(a: NotifyAlert): string {
  return plainLine(`[ratwatch] ${a.severity.toUpperCase()} ${a.rule}: ${a.title}`, 250);
}

export function evidenceLines(a: NotifyAlert): string[] {
  if (isCoreAlert(a)) return coreLines(a);
  const e = a.explanation;
  const out: string[] = [];
  if (e.kind === 'farm') {
    out.push(`Rules met: ${e.rules.join(', ')}`);
    out.push(`${e.hostCount} hosts, ${e.distinctUsers} distinct users, seen ${e.window.from} to ${e.window.to}`);
    for (const n of e.networks.slice(0, 10))
      out.push(`Shared ${n.kind} ${plainLine(n.value, 60)}: ${n.hostCount} hosts, ${n.userCount} users`);
    out.push(
      `Thresholds: ${e.thresholds.macHighMin}+ users high, ${e.thresholds.macCriticalMin}+ critical, ` +
        `${e.thresholds.publicIpMin}+ hosts per public IP, window ${e.thresholds.windowHours} h`,
    );
    for (const h of e.hosts.slice(0, MAX_HOST_LINES)) {
      const tools = h.remoteAccess.map((t) => `${plainLine(t.toolName, 60)} (${t.category})`).join(', ');
      out.push(`Host ${plainLine(h.hostname, 80)}${h.user ? ` user ${plainLine(h.user, 80)}` : ''}${tools ? `: ${tools}` : ''}`);
    }
    if (e.hostCount > MAX_HOST_LINES) out.push(`… and ${e.hostCount - MAX_HOST_LINES} more hosts`);
  } else {
    out.push(`Host ${plainLine(e.host.hostname, 80)}${e.host.user ? ` user ${plainLine(e.host.user, 80)}` : ''}`);
    for (const m of e.mismatches.slice(0, 20)) {
      const exp = [m.expected.countries?.join('/'), m.expected.timezones?.join('/')].filter(Boolean).join(', ');
      out.push(
        `${m.field} ${plainLine(m.value, 80)}${m.country ? ` (${m.country})` : ''}: ` +
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
  if (typeof e.hostname === 'string') out.push(`Host ${plainLine(e.hostname, 80)}`);
  out.push(`Agent ${plainLine(a.agentIds.join(', '), 200)}`);
  for (const [k, v] of Object.entries(e)
    .filter(([k]) => k !== 'kind' && k !== 'hostname')
    .slice(0, 12)) {
    out.push(`${plainLine(k, 40)}: ${plainLine(typeof v === 'object' && v !== null ? JSON.stringify(v) : v, 160)}`);
  }
  return out;
}
