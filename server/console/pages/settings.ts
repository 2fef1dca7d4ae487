// Admin settings: every form posts with the CSRF token to its own route; every input has a label.
import {
  NOTIFIER_KINDS,
  OFFICE_NETWORK_KINDS,
  ROLES,
  type AgentKey,
  type EnrollmentSecret,
  type ExpectedRegionRow,
  type Notifier,
  type OfficeNetwork,
  type Retention,
  type UserSummary,
} from '../data.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, when, type PageContext } from '../layout.ts';

export interface SettingsData {
  secrets: EnrollmentSecret[];
  keys: { total: number; rows: AgentKey[] };
  office: OfficeNetwork[];
  regions: ExpectedRegionRow[];
  notifiers: Notifier[];
  users: UserSummary[];
  retention: Retention;
}

const SHOWN = 200;

function post(ctx: PageContext, path: string, body: Html, label: string, cls = 'inline'): Html {
  return html`<form method="post" action="${ctx.base}/settings/${path}" class="${cls}">${csrfField(ctx)}${body}<button type="submit">${label}</button></form>`;
}

function secrets(ctx: PageContext, list: EnrollmentSecret[]): Html {
  return html`<section id="enrollment" aria-labelledby="enr-h"><h2 id="enr-h">Enrollment secrets</h2>
<p>An agent presents an enrollment secret once and receives its own key. Revoking a secret stops new enrollments with it; enrolled agents keep their keys.</p>
${
  list.length
    ? html`<table class="list"><thead><tr><th scope="col">Label</th><th scope="col">Ends with</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Action</th></tr></thead><tbody>
${list.map(
  (s) => html`<tr><td>${s.label}</td><td><code>…${s.hint}</code></td><td>${when(s.createdAt, ctx.now)} by ${s.createdBy}</td>
<td>${s.revokedAt ? html`revoked ${when(s.revokedAt, ctx.now)}` : 'active'}</td>
<td>${s.revokedAt ? '' : post(ctx, `enrollment/${encodeURIComponent(s.id)}/revoke`, html``, 'Revoke')}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="empty">No enrollment secret yet: create one, then put it in the agents' configuration.</p>`
}
${post(ctx, 'enrollment', html`<label>Label <input name="label" required maxlength="100"></label>`, 'Create secret', 'row')}
</section>`;
}

function keys(ctx: PageContext, keys: SettingsData['keys']): Html {
  const list = keys.rows;
  return html`<section id="keys" aria-labelledby="keys-h"><h2 id="keys-h">Agent keys</h2>
<p>Revoke the key of a lost or retired laptop: its reports are refused from then on. Any host's page has the same button; here are the latest enrollments.</p>
${
  list.length
    ? html`<table class="list"><caption>${keys.total} enrolled agent${keys.total === 1 ? '' : 's'}, the latest ${list.length} shown</caption>
<thead><tr><th scope="col">Host</th><th scope="col">Agent id</th><th scope="col">Enrolled</th><th scope="col">Last used</th><th scope="col">Action</th></tr></thead><tbody>
${list.map(
  (
    k,
  ) => html`<tr><td><a href="${ctx.base}/hosts/${encodeURIComponent(k.agentId)}">${k.hostname}</a></td><td><code>${k.agentId}</code></td><td>${when(k.enrolledAt, ctx.now)}</td><td>${when(k.lastUsed, ctx.now)}</td>
<td>${k.revokedAt ? html`revoked ${when(k.revokedAt, ctx.now)}` : post(ctx, `keys/${encodeURIComponent(k.agentId)}/revoke`, html``, 'Revoke key')}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="empty">No agent enrolled yet.</p>`
}
${post(ctx, 'keys/revoke', html`<label>Agent id <input name="agentId" required maxlength="200"></label>`, 'Revoke key', 'row')}
</section>`;
}

const KIND_LABEL: Record<string, string> = {
  cidr: 'office IP range (CIDR)',
  'gateway-mac': 'gateway MAC',
  bssid: 'Wi-Fi BSSID',
  'vpn-egress': 'VPN egress IP or range',
};

function office(ctx: PageContext, list: OfficeNetwork[]): Html {
  return html`<section id="office" aria-labelledby="office-h"><h2 id="office-h">Office networks</h2>
<p>Hosts behind these networks never form a laptop-farm group.</p>
${
  list.length
    ? html`<table class="list"><thead><tr><th scope="col">Kind</th><th scope="col">Value</th><th scope="col">Note</th><th scope="col">Added</th><th scope="col">Action</th></tr></thead><tbody>
${list.map(
  (
    n,
  ) => html`<tr><td>${KIND_LABEL[n.kind] ?? n.kind}</td><td><code>${n.value}</code></td><td>${n.note ?? ''}</td><td>${when(n.addedAt, ctx.now)} by ${n.addedBy}</td>
<td>${post(ctx, `office/${encodeURIComponent(n.id)}/remove`, html``, 'Remove')}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="empty">No office network yet: add each office's public IP range, and its gateway MAC or Wi-Fi BSSIDs, before rolling agents out to an office.</p>`
}
${post(
  ctx,
  'office',
  html`<label>Kind <select name="kind">${OFFICE_NETWORK_KINDS.map((k) => html`<option value="${k}">${KIND_LABEL[k]}</option>`)}</select></label>
<label>Value <input name="value" required maxlength="100" placeholder="203.0.113.0/24"></label>
<label>Note <input name="note" maxlength="200"></label>`,
  'Add network',
  'row',
)}
</section>`;
}

function regions(ctx: PageContext, rows: ExpectedRegionRow[]): Html {
  return html`<section id="regions" aria-labelledby="reg-h"><h2 id="reg-h">Expected regions</h2>
<p>A CSV with a header row <code>user,countries,timezones</code>; several values in a cell separated by spaces or semicolons
(e.g. <code>alice,DE AT,Europe/Berlin</code>). Uploading replaces the whole table.</p>
${
  rows.length
    ? html`<table class="list"><caption>${rows.length} user${rows.length === 1 ? '' : 's'}${rows.length > SHOWN ? `, first ${SHOWN} shown` : ''}</caption>
<thead><tr><th scope="col">User</th><th scope="col">Countries</th><th scope="col">Time zones</th></tr></thead><tbody>
${rows.slice(0, SHOWN).map((r) => html`<tr><td>${r.user}</td><td>${r.countries.join(' ')}</td><td>${r.timezones.join(' ')}</td></tr>`)}
</tbody></table>`
    : html`<p class="empty">No expected regions: only the always-critical values (DPRK time zone and locales) are checked.</p>`
}
<form method="post" action="${ctx.base}/settings/regions" enctype="multipart/form-data" class="row">${csrfField(ctx)}
<label>CSV file <input type="file" name="csv" accept=".csv,text/csv" required></label>
<button type="submit">Upload</button></form>
</section>`;
}

function notifiers(ctx: PageContext, list: Notifier[]): Html {
  return html`<section id="notifiers" aria-labelledby="not-h"><h2 id="not-h">Notifiers</h2>
${
  list.length
    ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Enabled</th><th scope="col">Actions</th></tr></thead><tbody>
${list.map(
  (n) => html`<tr><td>${n.name}</td><td>${n.kind}</td><td><code>${n.target}</code></td><td>${n.enabled ? 'yes' : 'no'}</td>
<td>${post(ctx, `notifiers/${encodeURIComponent(n.id)}/test`, html``, 'Send test')} ${post(ctx, `notifiers/${encodeURIComponent(n.id)}/remove`, html``, 'Remove')}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="empty">No notifier: alerts only show here. Add a webhook, a Slack incoming webhook or a mail address, then send a test.</p>`
}
${post(
  ctx,
  'notifiers',
  html`<label>Kind <select name="kind">${NOTIFIER_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select></label>
<label>Name <input name="name" required maxlength="100"></label>
<label>URL or mail address <input name="target" required maxlength="500"></label>
<label>Signing secret (webhook) <input name="secret" type="password" maxlength="200" autocomplete="off"></label>`,
  'Add notifier',
  'row',
)}
</section>`;
}

function users(ctx: PageContext, list: UserSummary[]): Html {
  const roleSelect = (selected?: string) =>
    html`<select name="role">${ROLES.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${r}</option>`)}</select>`;
  return html`<section id="users" aria-labelledby="users-h"><h2 id="users-h">Users and roles</h2>
<p>Viewers see every page but settings and change nothing; admins also acknowledge and close alerts and change settings.</p>
<table class="list"><thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Last login</th><th scope="col">Actions</th></tr></thead><tbody>
${list.map(
  (u) => html`<tr><td>${u.name}</td>
<td>${u.name === ctx.user.name ? u.role : post(ctx, `users/${encodeURIComponent(u.name)}/role`, html`<label class="sr-only" for="role-${u.name}">Role of ${u.name}</label>${html`<select id="role-${u.name}" name="role">${ROLES.map((r) => html`<option value="${r}"${r === u.role ? html` selected` : ''}>${r}</option>`)}</select>`}`, 'Change role')}</td>
<td>${when(u.lastLogin, ctx.now)}</td>
<td>${u.name === ctx.user.name ? html`<span class="muted">you</span>` : post(ctx, `users/${encodeURIComponent(u.name)}/delete`, html``, 'Delete')}</td></tr>`,
)}
</tbody></table>
${post(
  ctx,
  'users',
  html`<label>User name <input name="name" required maxlength="100" autocomplete="off"></label>
<label>Role ${roleSelect('viewer')}</label>
<label>Password <input name="password" type="password" required minlength="12" maxlength="200" autocomplete="new-password"></label>`,
  'Add user',
  'row',
)}
</section>`;
}

function retention(ctx: PageContext, r: Retention): Html {
  return html`<section id="retention" aria-labelledby="ret-h"><h2 id="ret-h">Retention</h2>
<p>Reports older than this are purged; each host's current state and findings are kept.</p>
${post(ctx, 'retention', html`<label>Keep reports for (days) <input name="reportDays" type="number" min="1" max="3650" required value="${r.reportDays}"></label>`, 'Save', 'row')}
</section>`;
}

export function settingsPage(ctx: PageContext, d: SettingsData): Html {
  return page(
    ctx,
    'Settings',
    '/settings',
    html`
<nav aria-label="Settings sections"><ul class="tabs">
<li><a href="#enrollment">Enrollment</a></li><li><a href="#keys">Agent keys</a></li><li><a href="#office">Office networks</a></li>
<li><a href="#regions">Expected regions</a></li><li><a href="#notifiers">Notifiers</a></li><li><a href="#users">Users</a></li><li><a href="#retention">Retention</a></li>
</ul></nav>
${secrets(ctx, d.secrets)}${keys(ctx, d.keys)}${office(ctx, d.office)}${regions(ctx, d.regions)}${notifiers(ctx, d.notifiers)}${users(ctx, d.users)}${retention(ctx, d.retention)}`,
  );
}
