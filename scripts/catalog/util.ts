import type { ExecOs } from './normalize.ts';

// Tolerant readers for parsed YAML: upstream files write "no value" as '', null, [] or leave the key out.

export function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** "Windows", "Mac", "MacOS", "macOS 64bit", "Linux/macOS" -> the catalog's OS names. */
export function osOfLabel(label: unknown): ExecOs[] {
  const s = typeof label === 'string' ? label.toLowerCase() : '';
  const out: ExecOs[] = [];
  if (/\bwin/.test(s)) out.push('windows');
  if (/\bmac|os ?x\b|darwin/.test(s)) out.push('darwin');
  if (/\blinux\b/.test(s)) out.push('linux');
  return out;
}
