import { SEVERITIES } from '../../../agent/policy/types.ts';
import { trendChart } from '../chart.ts';
import type { AgentSetup, Overview } from '../data.ts';
import { html, query, type Html } from '../html.ts';
import { page, sevBadge, type PageContext } from '../layout.ts';

const DESC = [...SEVERITIES].reverse();

/** Shown instead of the dashboard until the first agent reports: what to deploy, exactly. */
export function agentSetupBlock(setup: AgentSetup): Html {
  return html`<section class="empty" aria-labelledby="setup-h">
<h2 id="setup-h">No agent has reported yet</h2>
<p>Install the ratwatch agent on a laptop and give it this configuration; its first report appears here within a minute.
Server: <code>${setup.serverUrl}</code>${setup.caFingerprint ? html`, certificate fingerprint <code>${setup.caFingerprint}</code>` : ''}${setup.caFile ? html`, CA file <code>${setup.caFile}</code>` : ''}.</p>
<pre class="config" tabindex="0" aria-label="Agent configuration">${setup.config}</pre>
<p>Then run <code>ratwatch scan --report</code> once on that laptop to check the connection.</p>
</section>`;
}

export function overviewPage(ctx: PageContext, o: Overview, setup: AgentSetup | undefined): Html {
  const u = (p: string) => ctx.base + p;
  if (o.hosts.total === 0 && setup) return page(ctx, 'Overview', '/', agentSetupBlock(setup));
  const sevCells = DESC.map(
    (s) =>
      html`<li><a href="${u('/hosts' + query({ severity: s }))}">${sevBadge(s)} <strong>${o.hostsBySeverity[s] ?? 0}</strong></a></li>`,
  );
  const tools = o.topTools.length
    ? html`<ol class="top-tools">${o.topTools.map(
        (t) =>
          html`<li><a href="${u('/hosts' + query({ tool: t.toolId }))}">${t.toolName}</a> <span class="muted">${t.category}</span> on <strong>${t.hosts}</strong> host${t.hosts === 1 ? '' : 's'}</li>`,
      )}</ol>`
    : html`<p class="muted">No remote-access tool found on any host.</p>`;
  const alertSev = DESC.filter((s) => (o.alerts.openBySeverity[s] ?? 0) > 0).map(
    (s) => html`<li>${sevBadge(s)} ${o.alerts.openBySeverity[s]}</li>`,
  );
  const groupSev = DESC.filter((s) => (o.groups.bySeverity[s] ?? 0) > 0).map(
    (s) => html`<li>${sevBadge(s)} ${o.groups.bySeverity[s]}</li>`,
  );
  return page(
    ctx,
    'Overview',
    '/',
    html`
<section class="cards" aria-label="Fleet at a glance">
  <div class="card"><h2>Hosts</h2>
    <ul class="stats">
      <li><a href="${u('/hosts' + query({ status: 'online' }))}">Online <strong>${o.hosts.online}</strong></a></li>
      <li><a href="${u('/hosts' + query({ status: 'offline' }))}">Offline <strong>${o.hosts.offline}</strong></a></li>
      <li><a href="${u('/hosts' + query({ status: 'silent' }))}">Silent <strong>${o.hosts.silent}</strong></a></li>
      <li><a href="${u('/hosts')}">All <strong>${o.hosts.total}</strong></a></li>
    </ul></div>
  <div class="card"><h2>Hosts with findings</h2><ul class="stats">${sevCells}</ul></div>
  <div class="card"><h2>Alerts</h2>
    <p><a href="${u('/alerts' + query({ status: 'open' }))}"><strong>${o.alerts.open}</strong> open</a>,
       <a href="${u('/alerts' + query({ status: 'acknowledged' }))}">${o.alerts.acknowledged} acknowledged</a></p>
    ${alertSev.length ? html`<ul class="stats">${alertSev}</ul>` : html`<p class="muted">Nothing open.</p>`}</div>
  <div class="card"><h2>Laptop-farm groups</h2>
    <p><a href="${u('/groups')}"><strong>${o.groups.total}</strong> group${o.groups.total === 1 ? '' : 's'}</a></p>
    ${groupSev.length ? html`<ul class="stats">${groupSev}</ul>` : html`<p class="muted">No hosts share a network.</p>`}</div>
</section>
<section aria-labelledby="tools-h"><h2 id="tools-h">Top tools</h2>${tools}</section>
<section aria-labelledby="trend-h"><h2 id="trend-h">Last 30 days</h2>${trendChart(o.trend)}</section>`,
  );
}
