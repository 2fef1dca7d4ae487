// The one way text reaches a page. Every interpolated value goes through `esc` unless it is already Html
// built by this module: agent values (host names, process names, evidence) are hostile, so HTML special
// characters become entities and control/bidi characters become visible escapes (agent/text.ts clean).
import { clean } from '../../agent/text.ts';

const MAX_SHOWN = 4096;

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Any value as HTML text (safe in element content and in quoted attributes). */
export function esc(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return clean(s, MAX_SHOWN).replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

function render(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === false || v === undefined || v === null) return '';
  return esc(v);
}

/** Tagged template: literal parts are trusted markup, every ${value} is escaped unless it is Html. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup this module built elsewhere (the SVG chart); never agent text. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** A query string from parameters, each escaped for a URL; empty values dropped. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
