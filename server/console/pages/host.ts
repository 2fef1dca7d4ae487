// One host: its context, current findings with each evidence item's fields, and its timeline.
import type { EvidenceData, HostDetail, HostFinding, TimelineEvent } from '../data.ts';
import { html, query, type Html } from '../html.ts';
import { csrfField, page, sevBadge, stateBadge, when, type PageContext } from '../layout.ts';

/** "defaultGatewayMac" -> "default gateway mac": field names are data too, shown as words. */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase();
}

function fieldValue(v: unknown): Html {
  if (Array.isArray(v)) return html`${v.map((x, i) => html`${i ? ', ' : ''}<code>${x}</code>`)}`;
  if (typeof v === 'boolean') return html`${v ? 'yes' : 'no'}`;
  return html`<code>${v}</code>`;
}

const MAX_FIELDS = 40;

/** One evidence item: its type as a heading, every other field as a term and its value, in the order sent. */
export function evidenceItem(e: EvidenceData): Html {
  const fields = Object.entries(e).filter(([k, v]) => k !== 'type' && k !== 'strength' && v !== undefined && v !== null && v !== '').slice(0, MAX_FIELDS);
  return html`<li class="evidence"><span class="ev-type">${e.type}</span>${typeof e.strength === 'string' ? html` <span class="muted">(${e.strength})</span>` : ''}
<dl>${fields.map(([k, v]) => html`<dt>${words(k)}</dt><dd>${fieldValue(v)}</dd>`)}</dl></li>`;
}

function findingBlock(f: HostFinding, ctx: PageContext): Html {
  return html`<article class="finding${f.resolvedAt ? ' resolved' : ''}" aria-labelledby="f-${f.id.replace(/[^A-Za-z0-9_-]/g, '_')}">
<h3 id="f-${f.id.replace(/[^A-Za-z0-9_-]/g, '_')}">${sevBadge(f.severity)} ${f.toolName} <span class="muted">${f.category}${f.state ? html`, ${f.state}` : ''}</span></h3>
<p class="meta">First seen ${when(f.firstSeen, ctx.now)}, last seen ${when(f.lastSeen, ctx.now)}${f.resolvedAt ? html`, resolved ${when(f.resolvedAt, ctx.now)}` : ''}.
<a href="${ctx.base}/hosts${query({ tool: f.toolId })}">Other hosts with ${f.toolName}</a></p>
${f.evidence.length ? html`<ul class="evidence-list">${f.evidence.slice(0, 100).map(evidenceItem)}</ul>` : html`<p class="muted">No evidence recorded.</p>`}
</article>`;
}

const TAMPER_TEXT: Record<string, string> = {
  'sequence-gap': 'reports are missing (sequence gap)',
  'bad-signature': 'a report had a bad signature',
  'agent-downgrade': 'the agent was downgraded',
  'unprivileged-scan': 'the scan ran without privileges',
  'went-offline': 'the agent went offline (3 missed intervals)',
  'went-silent': 'the agent went silent (nothing for 24 h)',
};

function event(e: TimelineEvent, ctx: PageContext): Html {
  const at = when(e.at, ctx.now);
  switch (e.kind) {
    case 'finding-appeared':
      return html`<li class="ev-appeared">${at}: ${sevBadge(e.severity)} <strong>${e.toolName}</strong> appeared</li>`;
    case 'finding-resolved':
      return html`<li class="ev-resolved">${at}: <strong>${e.toolName}</strong> resolved</li>`;
    case 'context-changed':
      return html`<li class="ev-context">${at}: ${words(e.field)} changed from <code>${e.from ?? 'none'}</code> to <code>${e.to ?? 'none'}</code></li>`;
    case 'report-gap':
      return html`<li class="ev-gap">${at}: <strong>${e.missing}</strong> report${e.missing === 1 ? '' : 's'} missing${e.fromSeq !== undefined ? html` (sequence ${e.fromSeq} to ${e.toSeq})` : ''}</li>`;
    case 'tamper':
      return html`<li class="ev-tamper">${at}: <strong>tamper sign</strong>: ${TAMPER_TEXT[e.sign] ?? e.sign}${e.detail ? html` (${e.detail})` : ''}</li>`;
    default:
      return html`<li>${at}: ${(e as { kind: string }).kind}</li>`;
  }
}

export function hostPage(ctx: PageContext, h: HostDetail): Html {
  const current = h.findings.filter((f) => !f.resolvedAt);
  const resolved = h.findings.filter((f) => f.resolvedAt);
  const context = Object.entries(h.context).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length));
  return page(ctx, `Host ${h.hostname}`, '/hosts', html`
<dl class="facts">
<dt>State</dt><dd>${stateBadge(h.state)}</dd>
<dt>User</dt><dd>${h.user ?? html`<span class="muted">unknown</span>`}</dd>
<dt>OS</dt><dd>${h.os} ${h.osVersion ?? ''} ${h.arch ?? ''}</dd>
<dt>Agent</dt><dd><code>${h.agentId}</code>${h.agentVersion ? html`, version ${h.agentVersion}` : ''}</dd>
<dt>First seen</dt><dd>${when(h.firstSeen, ctx.now)}</dd>
<dt>Last seen</dt><dd>${when(h.lastSeen, ctx.now)}${h.expectedIntervalSec ? html`, expected every ${Math.round(h.expectedIntervalSec / 60)} min` : ''}</dd>
<dt>Public IP</dt><dd>${h.publicIp ? html`<code>${h.publicIp}</code>` : html`<span class="muted">unknown</span>`}</dd>
${context.map(([k, v]) => html`<dt>${words(k)}</dt><dd>${fieldValue(v)}</dd>`)}
<dt>Agent key</dt><dd>${h.keyRevokedAt ? html`revoked ${when(h.keyRevokedAt, ctx.now)}` : ctx.user.role === 'admin'
    ? html`active <form method="post" action="${ctx.base}/hosts/${encodeURIComponent(h.agentId)}/revoke-key" class="inline">${csrfField(ctx)}<button type="submit">Revoke this agent's key</button></form>`
    : 'active'}</dd>
${h.groups.length ? html`<dt>Farm groups</dt><dd>${h.groups.map((g, i) => html`${i ? ', ' : ''}<a href="${ctx.base}/groups#${encodeURIComponent(g)}">${g}</a>`)}</dd>` : ''}
</dl>
<section aria-labelledby="cur-h"><h2 id="cur-h">Current findings (${current.length})</h2>
${current.length ? current.map((f) => findingBlock(f, ctx)) : html`<p class="empty">No remote-access tool on this host in its last report.</p>`}
</section>
${resolved.length ? html`<section aria-labelledby="res-h"><h2 id="res-h">Resolved findings (${resolved.length})</h2>${resolved.map((f) => findingBlock(f, ctx))}</section>` : ''}
<section aria-labelledby="tl-h"><h2 id="tl-h">Timeline</h2>
${h.timeline.length ? html`<ol class="timeline">${h.timeline.slice(0, 500).map((e) => event(e, ctx))}</ol>` : html`<p class="muted">Nothing happened yet beyond the first report.</p>`}
</section>`);
}
