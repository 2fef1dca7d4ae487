import type { ToolSummary } from '../data.ts';
import { html, query, type Html } from '../html.ts';
import { page, sevBadge, when, type PageContext } from '../layout.ts';

const SHOWN_HOSTS = 10;

export function toolsPage(ctx: PageContext, tools: ToolSummary[]): Html {
  const u = (p: string) => ctx.base + p;
  const rows = tools.map(
    (t) => html`<tr>
<th scope="row">${t.toolName}</th>
<td>${t.category}</td>
<td>${sevBadge(t.maxSeverity)}</td>
<td><a href="${u('/hosts' + query({ tool: t.toolId }))}">${t.hostCount} host${t.hostCount === 1 ? '' : 's'}</a>:
${t.hosts.slice(0, SHOWN_HOSTS).map((h, i) => html`${i ? ', ' : ''}<a href="${u('/hosts/' + encodeURIComponent(h.agentId))}">${h.hostname}</a>`)}${t.hostCount > SHOWN_HOSTS ? '…' : ''}</td>
<td>${when(t.firstSeen, ctx.now)}</td>
</tr>`,
  );
  return page(
    ctx,
    'Tools',
    '/tools',
    tools.length
      ? html`<table class="list"><caption>Remote-access tools found in the fleet</caption>
<thead><tr><th scope="col">Tool</th><th scope="col">Category</th><th scope="col">Severity</th><th scope="col">Hosts</th><th scope="col">Since</th></tr></thead>
<tbody>${rows}</tbody></table>`
      : html`<p class="empty">No remote-access tool was found on any host. If no agent reports yet, the <a href="${u('/')}">overview</a> shows the configuration to deploy.</p>`,
  );
}
