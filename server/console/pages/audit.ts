// The audit log (admin): every admin action from the console and the JSON API, newest first.
import type { AuditRecord } from '../data.ts';
import { html, type Html } from '../html.ts';
import { page, when, type PageContext } from '../layout.ts';

function detail(d: Record<string, unknown>): Html {
  const fields = Object.entries(d ?? {}).slice(0, 20);
  return html`${fields.map(([k, v], i) => html`${i ? ', ' : ''}${k}: <code>${typeof v === 'string' ? v : JSON.stringify(v)}</code>`)}`;
}

export function auditPage(ctx: PageContext, entries: AuditRecord[], limit: number): Html {
  return page(
    ctx,
    'Audit log',
    '/audit',
    entries.length
      ? html`<table class="list"><caption>The latest ${entries.length === limit ? limit : entries.length} admin actions</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">On</th><th scope="col">Detail</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td>${when(e.at, ctx.now)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.target}</td><td>${detail(e.detail)}</td></tr>`)}</tbody></table>`
      : html`<p class="empty">No admin action yet. Acknowledging an alert or changing a setting is recorded here.</p>`,
  );
}
