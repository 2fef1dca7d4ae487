// API tokens (admin): who holds which token for the JSON API, a form to create one (the token is shown
// once, in the flash after the redirect) and a button to revoke each.
import type { ApiToken, UserSummary } from '../data.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, when, type PageContext } from '../layout.ts';

export function tokensPage(ctx: PageContext, tokens: ApiToken[], users: UserSummary[]): Html {
  const u = (p: string) => ctx.base + p;
  const rows = tokens.map(
    (t) => html`<tr><td>${t.name}</td><td>${t.user} <span class="muted">(${t.role})</span></td><td>${when(t.createdAt, ctx.now)}</td>
<td>${t.revokedAt ? html`revoked ${when(t.revokedAt, ctx.now)}` : html`<form method="post" action="${u(`/tokens/${encodeURIComponent(t.id)}/revoke`)}" class="inline">${csrfField(ctx)}<button type="submit" aria-label="Revoke token ${t.name} of ${t.user}">Revoke</button></form>`}</td></tr>`,
  );
  return page(
    ctx,
    'API tokens',
    '/tokens',
    html`
<p>Scripts read the JSON API under <code>/api/</code> with <code>Authorization: Bearer &lt;token&gt;</code>; a token acts with its user's role.
The token is shown once, right after it is created.</p>
${
  tokens.length
    ? html`<table class="list"><caption>${tokens.length} token${tokens.length === 1 ? '' : 's'}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">User</th><th scope="col">Created</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="empty">No API tokens yet. Create one below for a script or a SIEM that reads the fleet.</p>`
}
<form method="post" action="${u('/tokens')}" class="row">${csrfField(ctx)}
<label>Token name <input name="name" required maxlength="100" autocomplete="off"></label>
<label>For user <select name="user">${users.map((x) => html`<option value="${x.name}"${x.name === ctx.user.name ? html` selected` : ''}>${x.name} (${x.role})</option>`)}</select></label>
<button type="submit">Create token</button></form>`,
  );
}
