import type { Finding, ScanResult, Severity } from '../model.ts';
import { clean, compareCodeUnits } from '../text.ts';
import { SEVERITIES } from '../vocabulary.ts';
import { isActive } from '../engine/rules.ts';
import { evidenceLine } from './evidence-line.ts';

const COLOR: Record<Severity, string> = { critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', info: '' };

export function sortFindings(fs: Finding[]): Finding[] {
  const rank = (f: Finding) => (isActive(f) ? 0 : 10) + (SEVERITIES.length - 1 - SEVERITIES.indexOf(f.severity));
  return [...fs].sort((a, b) => rank(a) - rank(b) || compareCodeUnits(a.tool.id, b.tool.id));
}

// An evidence line longer than the column wraps at spaces onto at most this many lines, so a path that
// follows a long (possibly hostile) process name is still shown
const EVIDENCE_LINES = 3;

function wrap(s: string, width: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > width && out.length < EVIDENCE_LINES - 1) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > width / 3 ? cut : width;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^ /, '');
  }
  out.push(rest.length > width ? `${rest.slice(0, width - 1)}…` : rest);
  return out;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The human view of a scan; every value is cleaned again because inventories may come from a hostile host. */
export function renderTable(r: ScanResult, opts: { color: boolean; width?: number }): string {
  const width = Math.max(opts.width ?? 120, 80);
  const lines: string[] = [];
  const failed = r.sources.filter((s) => !s.ok && !s.absent);
  const absent = r.sources.filter((s) => s.absent).map((s) => clean(s.name, 80));
  lines.push(
    `ratwatch scan of ${clean(r.host.hostname)} (${r.host.os}${r.host.osVersion ? ` ${clean(r.host.osVersion)}` : ''}) at ${clean(r.host.collectedAt, 40)}`,
    `looked at ${r.counts.processes} processes, ${r.counts.packages} packages, ${r.counts.services} services, ${r.counts.sockets} sockets, ${r.counts.devices} devices; catalog of ${r.catalog.tools} tools`,
  );
  for (const s of failed) lines.push(`source ${clean(s.name, 80)} failed: ${clean(s.error ?? 'unknown error')}`);
  if (absent.length) lines.push(`not on this machine: ${absent.join(', ')}`);
  for (const s of r.sources) for (const w of s.warnings ?? []) lines.push(`source ${clean(s.name, 80)} incomplete: ${clean(w)}`);
  const active = r.findings.filter(isActive);
  lines.push('');
  if (r.findings.length === 0) {
    lines.push('No remote-access software found.');
    return lines.join('\n') + '\n';
  }
  const head = `${pad('SEVERITY', 9)} ${pad('STATUS', 10)} ${pad('TOOL', 28)} ${pad('CATEGORY', 15)} ${pad('STATE', 10)} EVIDENCE`;
  lines.push(head);
  const evWidth = width - head.indexOf('EVIDENCE');
  const indent = ' '.repeat(head.indexOf('EVIDENCE'));
  for (const f of sortFindings(r.findings)) {
    const sev = pad(f.severity, 9);
    const [first = '', ...more] = f.evidence.slice(0, 6).flatMap((e) => wrap(evidenceLine(e), evWidth));
    lines.push(
      `${opts.color ? `${COLOR[f.severity]}${sev}\x1b[0m` : sev} ${pad(f.status, 10)} ${pad(clean(f.tool.name, 28), 28)} ${pad(f.tool.category, 15)} ${pad(f.state, 10)} ${first}`,
    );
    for (const l of more) lines.push(`${indent}${l}`);
    if (f.evidence.length > 6) lines.push(`${' '.repeat(head.indexOf('EVIDENCE'))}(${f.evidence.length - 6} more; --json shows all)`);
    if (f.reason) lines.push(`${' '.repeat(head.indexOf('EVIDENCE'))}policy: ${clean(f.reason)}`);
  }
  lines.push('', `${active.length} finding(s), ${r.findings.length - active.length} allowed, suppressed or informational.`);
  return lines.join('\n') + '\n';
}
