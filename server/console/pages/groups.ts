// The laptop-farm view: each group of hosts tied by a shared network, and in words why it was flagged.
import type { FarmGroup, SharedNetwork } from '../data.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, sevBadge, type PageContext } from '../layout.ts';

const KIND: Record<string, string> = { 'gateway-mac': 'gateway MAC', 'wifi-bssid': 'Wi-Fi BSSID', 'public-ip': 'public IP' };

const RULE: Record<string, string> = {
  'shared-network': 'several users behind one gateway MAC or Wi-Fi access point',
  'shared-public-ip': 'several hosts behind one public IP',
  'remote-access-in-group': 'a host of the group runs remote-access, tunnel or IP-KVM software',
  'region-mismatch': 'time zone, locale or input method outside the expected region',
};

function network(n: SharedNetwork): Html {
  return html`<li>${KIND[n.kind] ?? n.kind} <code>${n.value}</code> shared by ${n.hostCount} host${n.hostCount === 1 ? '' : 's'} of ${n.userCount} user${n.userCount === 1 ? '' : 's'}</li>`;
}

export function groupId(subject: string): string {
  return subject.replace(/[^A-Za-z0-9_:.-]/g, '_');
}

function group(ctx: PageContext, g: FarmGroup): Html {
  const id = groupId(g.subject);
  return html`<article class="group" id="${id}" aria-labelledby="${id}-h">
<h2 id="${id}-h">${sevBadge(g.severity)} ${g.hostCount} hosts, ${g.distinctUsers} users <span class="muted">${g.subject}</span></h2>
<h3>Why it was flagged</h3>
<ul>${g.rules.map((r) => html`<li>${RULE[r] ?? r}</li>`)}</ul>
<h3>Shared networks</h3>
<ul>${g.networks.map(network)}</ul>
<table class="list"><caption>Hosts of the group</caption>
<thead><tr><th scope="col">Host</th><th scope="col">User</th><th scope="col">Remote access</th></tr></thead>
<tbody>${g.hosts.map(
    (h) => html`<tr><td><a href="${ctx.base}/hosts/${encodeURIComponent(h.agentId)}">${h.hostname}</a></td><td>${h.user ?? ''}</td>
<td>${h.remoteAccess.length ? h.remoteAccess.map((t, i) => html`${i ? ', ' : ''}${sevBadge(t.severity)} ${t.toolName}`) : html`<span class="muted">none</span>`}</td></tr>`,
  )}</tbody>
</table>
</article>`;
}

/** Admins may run the correlation at once instead of waiting for the periodic round. */
function evaluateNow(ctx: PageContext): Html {
  if (ctx.user.role !== 'admin') return html``;
  return html`<form method="post" action="${ctx.base}/groups/evaluate" class="inline">${csrfField(ctx)}<button type="submit">Evaluate now</button></form>`;
}

export function groupsPage(ctx: PageContext, groups: FarmGroup[]): Html {
  return page(
    ctx,
    'Laptop-farm groups',
    '/groups',
    html`${evaluateNow(ctx)}${
      groups.length
        ? html`<p>Hosts are grouped when they share a gateway MAC, a Wi-Fi BSSID or a public IP; office networks in
<a href="${ctx.base}/settings#office">Settings</a> never form a group.</p>${groups.map((g) => group(ctx, g))}`
        : html`<p class="empty">No hosts share a network. If an office shows up here later, add its networks to the
allow-list in <a href="${ctx.base}/settings#office">Settings</a>.</p>`
    }`,
  );
}
