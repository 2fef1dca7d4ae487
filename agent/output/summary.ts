import type { ScanResult } from '../model.ts';
import { clean } from '../text.ts';
import { isActive } from '../engine/rules.ts';
import { sortFindings } from './table.ts';

// Intune Remediations show a detection script's last output line, cut at 2048 characters; Jamf keeps an
// extension attribute as one string. Both get one line that fits, worst findings first.
export const SUMMARY_LIMIT = 2047;

export function renderSummary(r: ScanResult, limit = SUMMARY_LIMIT): string {
  const active = sortFindings(r.findings.filter(isActive));
  const failed = r.sources.filter((s) => !s.ok && !s.absent).map((s) => clean(s.name, 80));
  const tail = failed.length ? `; sources failed: ${failed.join(',')}` : '';
  if (active.length === 0) return `ratwatch: clean${tail}`.slice(0, limit);
  const head = `ratwatch: ${active.length} remote-access finding(s): `;
  const parts = active.map((f) => `${clean(f.tool.name, 60)} [${f.severity}]`);
  let line = head;
  for (let i = 0; i < parts.length; i++) {
    const sep = i === 0 ? '' : ', ';
    const rest = `, +${parts.length - i} more`;
    if (line.length + sep.length + parts[i].length + rest.length + tail.length > limit) {
      line += rest;
      return (line + tail).slice(0, limit);
    }
    line += sep + parts[i];
  }
  return (line + tail).slice(0, limit);
}

/** Jamf Pro reads an extension attribute from the text between <result> and </result>. */
export function renderJamf(r: ScanResult): string {
  const text = renderSummary(r).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<result>${text}</result>`;
}
