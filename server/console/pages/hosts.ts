// The host list: a GET form of filters (so a filtered view is a link), sortable column headers, pages.
import { SEVERITIES } from '../../../agent/policy/types.ts';
import type { Severity } from '../../../agent/model.ts';
import { HOST_SORT_KEYS, HOST_STATUSES, type HostFilter, type HostRow, type HostSort, type HostSortKey, type HostStatus } from '../data.ts';
import { html, query, type Html } from '../html.ts';
import { page, sevBadge, stateBadge, when, type PageContext } from '../layout.ts';

export const PAGE_SIZE = 50;

/** "Last seen" choices: a name in the URL -> the time bounds the filter asks the store for. */
const SEEN: Record<string, { label: string; after?: number; before?: number }> = {
  '1h': { label: 'in the last hour', after: 3600 },
  '24h': { label: 'in the last 24 hours', after: 86_400 },
  '7d': { label: 'in the last 7 days', after: 7 * 86_400 },
  not24h: { label: 'not for 24 hours', before: 86_400 },
  not7d: { label: 'not for 7 days', before: 7 * 86_400 },
};

/** The list's parameters as the URL carries them, validated: unknown values are dropped, not passed on. */
export interface HostQuery {
  filter: HostFilter;
  sort: HostSort;
  pageNo: number;
  raw: Record<string, string | undefined>; // the accepted parameters, for links
}

function pick<T extends string>(v: string | null, allowed: readonly string[]): T | undefined {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

export function parseHostQuery(params: URLSearchParams, now: Date): HostQuery {
  const text = (k: string) => {
    const v = params.get(k)?.trim();
    return v ? v.slice(0, 200) : undefined;
  };
  const seenKey = pick(params.get('seen'), Object.keys(SEEN));
  const seen = seenKey ? SEEN[seenKey] : undefined;
  const raw = {
    q: text('q'),
    tool: text('tool'),
    severity: pick<Severity>(params.get('severity'), SEVERITIES),
    status: pick<HostStatus>(params.get('status'), HOST_STATUSES),
    os: text('os'),
    user: text('user'),
    seen: seenKey,
    sort: pick<HostSortKey>(params.get('sort'), HOST_SORT_KEYS),
    dir: pick<'asc' | 'desc'>(params.get('dir'), ['asc', 'desc']),
  };
  const filter: HostFilter = {
    q: raw.q,
    toolId: raw.tool,
    minSeverity: raw.severity,
    status: raw.status,
    os: raw.os,
    user: raw.user,
    lastSeenAfter: seen?.after ? new Date(now.getTime() - seen.after * 1000).toISOString() : undefined,
    lastSeenBefore: seen?.before ? new Date(now.getTime() - seen.before * 1000).toISOString() : undefined,
  };
  const pageNo = Math.min(1_000_000, Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1));
  return { filter, sort: { key: raw.sort ?? 'severity', dir: raw.dir ?? (raw.sort ? 'asc' : 'desc') }, pageNo, raw };
}

function options(values: readonly string[], selected: string | undefined, labels?: (v: string) => string): Html[] {
  return values.map((v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${labels ? labels(v) : v}</option>`);
}

const COLUMNS: { key: HostSortKey; label: string }[] = [
  { key: 'hostname', label: 'Host' },
  { key: 'user', label: 'User' },
  { key: 'os', label: 'OS' },
  { key: 'status', label: 'Status' },
  { key: 'severity', label: 'Severity' },
  { key: 'findings', label: 'Findings' },
  { key: 'lastSeen', label: 'Last seen' },
];

export function hostsPage(
  ctx: PageContext,
  hq: HostQuery,
  result: { total: number; rows: HostRow[] },
  facets: { os: string[]; users: string[]; tools: { toolId: string; toolName: string }[] },
): Html {
  const u = (p: string) => ctx.base + p;
  const { raw } = hq;
  const link = (over: Record<string, string | number | undefined>) => u('/hosts' + query({ ...raw, ...over }));
  const headers = COLUMNS.map((c) => {
    const active = hq.sort.key === c.key;
    const dir = active && hq.sort.dir === 'asc' ? 'desc' : 'asc';
    const sortState = active ? (hq.sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
    return html`<th scope="col"${sortState ? html` aria-sort="${sortState}"` : ''}><a href="${link({ sort: c.key, dir, page: undefined })}">${c.label}${active ? html`<span aria-hidden="true">${hq.sort.dir === 'asc' ? ' ▲' : ' ▼'}</span>` : ''}</a></th>`;
  });
  const rows = result.rows.map(
    (h) => html`<tr>
<td><a href="${u('/hosts/' + encodeURIComponent(h.agentId))}">${h.hostname}</a></td>
<td>${h.user ?? ''}</td>
<td>${h.os}${h.osVersion ? html` <span class="muted">${h.osVersion}</span>` : ''}</td>
<td>${stateBadge(h.status)}</td>
<td>${sevBadge(h.maxSeverity)}</td>
<td>${h.openFindings}${h.tools.length ? html` <span class="muted">${h.tools.slice(0, 3).join(', ')}${h.tools.length > 3 ? '…' : ''}</span>` : ''}</td>
<td>${when(h.lastSeen, ctx.now)}</td>
</tr>`,
  );
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  const filtered = Object.entries(raw).some(([k, v]) => v !== undefined && k !== 'sort' && k !== 'dir');
  const table = result.rows.length
    ? html`<table class="list"><caption>${result.total} host${result.total === 1 ? '' : 's'}, page ${hq.pageNo} of ${pages}</caption>
<thead><tr>${headers}</tr></thead><tbody>${rows}</tbody></table>
<nav class="pager" aria-label="Pages">
${hq.pageNo > 1 ? html`<a href="${link({ page: hq.pageNo - 1 })}" rel="prev">Previous</a>` : ''}
<span>Page ${hq.pageNo} of ${pages}</span>
${hq.pageNo < pages ? html`<a href="${link({ page: hq.pageNo + 1 })}" rel="next">Next</a>` : ''}
</nav>`
    : filtered
      ? html`<p class="empty">No host matches these filters. <a href="${u('/hosts')}">Clear the filters</a> or widen "last seen".</p>`
      : html`<p class="empty">No host has reported yet. The <a href="${u('/')}">overview</a> shows the agent configuration to deploy.</p>`;
  return page(
    ctx,
    'Hosts',
    '/hosts',
    html`
<form method="get" action="${u('/hosts')}" class="filters" role="search" aria-label="Filter hosts">
  <label>Search <input type="search" name="q" value="${raw.q ?? ''}" placeholder="host, user or agent id"></label>
  <label>Tool <select name="tool"><option value="">any</option>${facets.tools.map((t) => html`<option value="${t.toolId}"${t.toolId === raw.tool ? html` selected` : ''}>${t.toolName}</option>`)}</select></label>
  <label>Severity at least <select name="severity"><option value="">any</option>${options(SEVERITIES, raw.severity)}</select></label>
  <label>Status <select name="status"><option value="">any</option>${options(HOST_STATUSES, raw.status)}</select></label>
  <label>OS <select name="os"><option value="">any</option>${options(facets.os, raw.os)}</select></label>
  <label>User <input name="user" list="user-names" value="${raw.user ?? ''}" autocomplete="off"></label>
  <datalist id="user-names">${facets.users.map((u) => html`<option value="${u}">`)}</datalist>
  <label>Last seen <select name="seen"><option value="">any time</option>${options(Object.keys(SEEN), raw.seen, (k) => SEEN[k].label)}</select></label>
  ${raw.sort ? html`<input type="hidden" name="sort" value="${raw.sort}"><input type="hidden" name="dir" value="${hq.sort.dir}">` : ''}
  <button type="submit">Filter</button>
  <a href="${u('/hosts')}">Clear</a>
  <a href="${u('/hosts.csv' + query({ ...raw }))}" download>Export CSV</a>
</form>
${table}`,
  );
}
