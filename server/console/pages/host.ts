// One host: its context, current findings with each evidence item's fields, and its timeline.
import type { EvidenceData, HostDetail, HostFinding, TimelineEvent } from '../data.ts';
import { html, query, type Html } from '../html.ts';
import { csrfField, page, sevBadge, stateBadge, when, type PageContext } from '../layout.ts';

/** "defaultGatewayMac" -> "default gateway mac": field names are data too, shown as words. */
function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
}

function fieldValue(v: unknown): Html {
  if (Array.isArray(v)) return html`${v.map((x, i) => html`${i ? ', ' : ''}<code>${x}</code>`)}`;
  if (typeof v === 'boolean') return html`${v ? 'yes' : 'no'}`;
  return html`<code>${v}</code>`;
}

const MAX_FIELDS = 40;

/** One evidence item: its type as a heading, every other field as a term and its value, in the order sent. */
export function evidenceItem(e: EvidenceData): Html {
  const fields = Object.entries(e)
    .filter(([k, v]) => k !== 'type' && k !== 'strength' && v !== undefined && v !== null && v !== '')
    .slice(0, MAX_FIELDS);
  return html`<li class="evidence"><span class="ev-type">${e.type}</span>${typeof e.strength === 'string' ? html` <span class="muted">(${e.strength})</span>` : ''}
<dl>${fields.map(([k, v]) => html`<dt>${words(k)}</dt><dd>${fieldValue(v)}</dd>`)}</dl></li>`;
}

function evidence(e: unknown): Html {
  if (e && typeof e === 'object' && !Array.isArray(e) && typeof (e as EvidenceData).type === 'string')
    return evidenceItem(e as EvidenceData);
  return html`<li class="evidence"><code>${e}</code></li>`;
}

function anchor(id: string): string {
  return `f-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function findingBlock(f: HostFinding, ctx: PageContext): Html {
  return html`<article class="finding${f.resolvedAt ? ' resolved' : ''}" aria-labelledby="${anchor(f.findingId)}">
<h3 id="${anchor(f.findingId)}">${sevBadge(f.severity)} ${f.tool.name} <span class="muted">${f.tool.category}${f.state ? html`, ${f.state}` : ''}</span></h3>
<p class="meta">First seen ${when(f.firstSeen, ctx.now)}, last seen ${when(f.lastSeen, ctx.now)}${f.resolvedAt ? html`, resolved ${when(f.resolvedAt, ctx.now)}${f.resolvedReason ? html` (${f.resolvedReason})` : ''}` : ''}.
<a href="${ctx.base}/hosts${query({ tool: f.tool.id })}">Other hosts with ${f.tool.name}</a></p>
${f.evidence.length ? html`<ul class="evidence-list">${f.evidence.slice(0, 100).map(evidence)}</ul>` : html`<p class="muted">No evidence recorded.</p>`}
</article>`;
}

/** Timeline types that mean the agent was stopped, removed, replaced or fooled. */
const TAMPER: Record<string, string> = {
  'sequence-reset': 'the agent restarted its report numbering (reinstalled, or its spool wiped)',
  'agent-downgrade': 'the agent was downgraded',
  'unprivileged-scan': 'the scan ran without root / Administrator rights',
  'bad-signature': 'a report failed signature verification',
  offline: 'the agent went offline (3 missed intervals)',
  silent: 'the agent went silent (nothing for 24 h)',
  'key-revoked': 'its agent key was revoked',
};

const PLAIN: Record<string, string> = {
  'first-report': 'first report',
  enrolled: 'enrolled',
  'back-online': 'back online',
  'late-report': 'a late report arrived',
  'agent-upgrade': 'the agent was upgraded',
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

function detailList(d: Record<string, unknown>): Html {
  const entries = Object.entries(d).slice(0, MAX_FIELDS);
  return entries.length
    ? html` <span class="muted">(${entries.map(([k, v], i) => html`${i ? ', ' : ''}${words(k)} <code>${v}</code>`)})</span>`
    : html``;
}

/** The tool a finding event names: its own detail, or the host's finding with that id. */
function toolName(d: Record<string, unknown>, findings: HostFinding[]): string {
  const tool = d.tool as { name?: unknown } | undefined;
  return str(tool?.name) ?? findings.find((f) => f.findingId === d.findingId)?.tool.name ?? str(d.findingId) ?? 'a tool';
}

function event(e: TimelineEvent, h: HostDetail, ctx: PageContext): Html {
  const at = when(e.at, ctx.now);
  const d = e.detail && typeof e.detail === 'object' ? e.detail : {};
  switch (e.type) {
    case 'finding-new':
    case 'finding-reopened':
      return html`<li class="ev-appeared">${at}: ${sevBadge(str(d.severity))} <strong>${toolName(d, h.findings)}</strong> ${e.type === 'finding-new' ? 'appeared' : 'reappeared'}</li>`;
    case 'finding-resolved':
      return html`<li class="ev-resolved">${at}: <strong>${toolName(d, h.findings)}</strong> resolved${d.reason ? html` (${str(d.reason)})` : ''}</li>`;
    case 'context-changed':
      return html`<li class="ev-context">${at}: ${Object.entries(d)
        .slice(0, MAX_FIELDS)
        .map(([field, change], i) => {
          const c = (change ?? {}) as { from?: unknown; to?: unknown };
          return html`${i ? '; ' : ''}${words(field)} changed from <code>${c.from ?? 'none'}</code> to <code>${c.to ?? 'none'}</code>`;
        })}</li>`;
    case 'sequence-gap': {
      const from = Number(d.missingFrom);
      const to = Number(d.missingTo);
      const n = Number.isFinite(from) && Number.isFinite(to) && to >= from ? to - from + 1 : undefined;
      return html`<li class="ev-gap">${at}: <strong>${n ?? 'some'}</strong> report${n === 1 ? '' : 's'} missing${n ? html` (sequence ${from} to ${to})` : ''}</li>`;
    }
    default:
      if (TAMPER[e.type]) return html`<li class="ev-tamper">${at}: <strong>tamper sign</strong>: ${TAMPER[e.type]}${detailList(d)}</li>`;
      return html`<li>${at}: ${PLAIN[e.type] ?? e.type}${detailList(d)}</li>`;
  }
}

export function hostPage(ctx: PageContext, h: HostDetail): Html {
  const current = h.findings.filter((f) => !f.resolvedAt);
  const resolved = h.findings.filter((f) => f.resolvedAt);
  const context = Object.entries(h.context ?? {}).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && !v.length));
  return page(
    ctx,
    `Host ${h.hostname}`,
    '/hosts',
    html`
<dl class="facts">
<dt>Status</dt><dd>${stateBadge(h.status)}${h.privileged === false ? html` <span class="ev-tamper">last scan not privileged</span>` : ''}</dd>
<dt>User</dt><dd>${h.user ?? html`<span class="muted">unknown</span>`}</dd>
<dt>OS</dt><dd>${h.os} ${h.osVersion ?? ''} ${h.arch ?? ''}</dd>
<dt>Agent</dt><dd><code>${h.agentId}</code>${h.agentVersion ? html`, version ${h.agentVersion}` : ''}</dd>
<dt>First seen</dt><dd>${when(h.firstSeen, ctx.now)}</dd>
<dt>Last seen</dt><dd>${when(h.lastSeen, ctx.now)}${h.expectedIntervalS ? html`, expected every ${Math.round(h.expectedIntervalS / 60)} min` : ''}</dd>
<dt>Public IP</dt><dd>${h.publicIp ? html`<code>${h.publicIp}</code>` : html`<span class="muted">unknown</span>`}</dd>
${context.map(([k, v]) => html`<dt>${words(k)}</dt><dd>${fieldValue(v)}</dd>`)}
<dt>Agent key</dt><dd>${
      h.keyRevokedAt
        ? html`revoked ${when(h.keyRevokedAt, ctx.now)}`
        : ctx.user.role === 'admin'
          ? html`active <form method="post" action="${ctx.base}/hosts/${encodeURIComponent(h.agentId)}/revoke-key" class="inline">${csrfField(ctx)}<button type="submit">Revoke this agent's key</button></form>`
          : 'active'
    }</dd>
${h.groups.length ? html`<dt>Farm groups</dt><dd>${h.groups.map((g, i) => html`${i ? ', ' : ''}<a href="${ctx.base}/groups#${encodeURIComponent(g)}">${g}</a>`)}</dd>` : ''}
</dl>
<section aria-labelledby="cur-h"><h2 id="cur-h">Current findings (${current.length})</h2>
${current.length ? current.map((f) => findingBlock(f, ctx)) : html`<p class="empty">No remote-access tool on this host in its last report.</p>`}
</section>
${resolved.length ? html`<section aria-labelledby="res-h"><h2 id="res-h">Resolved findings (${resolved.length})</h2>${resolved.map((f) => findingBlock(f, ctx))}</section>` : ''}
<section aria-labelledby="tl-h"><h2 id="tl-h">Timeline</h2>
${h.timeline.length ? html`<ol class="timeline">${h.timeline.slice(0, 500).map((e) => event(e, h, ctx))}</ol>` : html`<p class="muted">Nothing happened yet beyond the first report.</p>`}
</section>`,
  );
}
