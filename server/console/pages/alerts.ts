// Alerts with their state and who moved them; admins get a form per allowed move (POST with the CSRF token).
import { ALERT_STATUS_ROLE, ALERT_TRANSITIONS, NOTE_MAX } from '../../alerts/status.ts';
import { ALERT_STATUSES, type Alert, type AlertStatus } from '../data.ts';
import { html, query, type Html } from '../html.ts';
import { csrfField, page, sevBadge, stateBadge, when, type PageContext } from '../layout.ts';

function explanation(a: Alert): Html {
  const e = a.explanation;
  if (!e || typeof e !== 'object') return html``;
  const fields = Object.entries(e)
    .filter(([k]) => k !== 'kind' && k !== 'hosts')
    .slice(0, 40);
  return html`<details><summary>Evidence</summary><dl>${fields.map(([k, v]) => html`<dt>${k}</dt><dd><code>${v}</code></dd>`)}</dl></details>`;
}

/** Notifiers that have not taken the alert's latest notification: people learn the alert did not reach them. */
function undelivered(a: Alert): Html {
  return html`${(a.undelivered ?? []).map(
    (n) =>
      html`<br>${n.gaveUp ? html`<strong>not delivered to ${n.notifier}: given up</strong>` : html`not yet delivered to ${n.notifier}: next try at <time datetime="${n.nextAttemptAt}">${n.nextAttemptAt}</time>`}${n.lastError ? html` (${n.lastError})` : ''}`,
  )}`;
}

/** The console path of each move (POST /alerts/:id/<verb>); the labels people see. */
export const ALERT_FORM_PATHS: Readonly<Record<AlertStatus, string>> = { acknowledged: 'ack', closed: 'close', open: 'reopen' };
const LABELS: Readonly<Record<AlertStatus, string>> = { acknowledged: 'Acknowledge', closed: 'Close', open: 'Reopen' };

function actions(ctx: PageContext, a: Alert): Html {
  if (ctx.user.role !== ALERT_STATUS_ROLE) return html``;
  const form = (to: AlertStatus) => {
    const label = LABELS[to];
    const note =
      to === 'closed'
        ? html`<input type="text" name="note" maxlength="${NOTE_MAX}" placeholder="reason (optional)" aria-label="Reason for closing alert: ${a.title}">`
        : '';
    return html`<form method="post" action="${ctx.base}/alerts/${encodeURIComponent(String(a.id))}/${ALERT_FORM_PATHS[to]}" class="inline">${csrfField(ctx)}${note}<button type="submit" aria-label="${label} alert: ${a.title}">${label}</button></form>`;
  };
  return html`${ALERT_TRANSITIONS[a.status].map(form)}`;
}

export function alertsPage(ctx: PageContext, alerts: Alert[], status: AlertStatus | undefined): Html {
  const u = (p: string) => ctx.base + p;
  const tabs = [undefined, ...ALERT_STATUSES].map(
    (s) =>
      html`<li><a href="${u('/alerts' + query({ status: s }))}"${s === status ? html` aria-current="page"` : ''}>${s ?? 'all'}</a></li>`,
  );
  const rows = alerts.map(
    (a) => html`<tr>
<td>${sevBadge(a.severity)}</td>
<td>${a.title}${explanation(a)}</td>
<td>${a.agentIds.slice(0, 10).map((id, i) => html`${i ? ', ' : ''}<a href="${u('/hosts/' + encodeURIComponent(id))}">${id}</a>`)}${a.agentIds.length > 10 ? '…' : ''}</td>
<td>${stateBadge(a.status)}</td>
<td>raised ${when(a.firstSeen, ctx.now)}${a.occurrences && a.occurrences > 1 ? html`, seen ${a.occurrences} times, last ${when(a.lastSeen, ctx.now)}` : ''}${a.ackBy ? html`<br>acknowledged by ${a.ackBy} ${when(a.ackAt, ctx.now)}` : ''}${a.closedBy ? html`<br>closed by ${a.closedBy} ${when(a.closedAt, ctx.now)}` : ''}${undelivered(a)}</td>
<td>${actions(ctx, a)}</td>
</tr>`,
  );
  return page(
    ctx,
    'Alerts',
    '/alerts',
    html`
<nav aria-label="Alert state"><ul class="tabs">${tabs}</ul></nav>
${
  alerts.length
    ? html`<table class="list"><caption>${alerts.length} alert${alerts.length === 1 ? '' : 's'}</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Hosts</th><th scope="col">State</th><th scope="col">History</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows}</tbody></table>`
    : html`<p class="empty">No ${status ?? ''} alerts. Alerts appear when hosts share a network or a host's region does not match its user; check the notifiers in <a href="${u('/settings#notifiers')}">Settings</a> so they reach you.</p>`
}`,
  );
}
