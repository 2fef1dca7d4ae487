// The page shell every console page shares: skip link, navigation, the signed-in user and logout.
import type { ConsoleUser, Role } from './data.ts';
import { html, type Html } from './html.ts';

/** What a page needs to know about the request it answers. */
export interface PageContext {
  user: ConsoleUser;
  csrf: string;
  base: string; // where the console is mounted ('' or '/console')
  now: Date;
  flash?: { ok?: string; error?: string } | undefined;
}

const NAV: { path: string; label: string; role: Role }[] = [
  { path: '/', label: 'Overview', role: 'viewer' },
  { path: '/hosts', label: 'Hosts', role: 'viewer' },
  { path: '/tools', label: 'Tools', role: 'viewer' },
  { path: '/groups', label: 'Groups', role: 'viewer' },
  { path: '/alerts', label: 'Alerts', role: 'viewer' },
  { path: '/settings', label: 'Settings', role: 'admin' },
  { path: '/tokens', label: 'API tokens', role: 'admin' },
  { path: '/audit', label: 'Audit log', role: 'admin' },
];

export function allowed(user: ConsoleUser, role: Role): boolean {
  return role === 'viewer' || user.role === 'admin';
}

/** The hidden field every POST form carries. */
export function csrfField(ctx: { csrf: string }): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

export function page(ctx: PageContext, title: string, current: string, body: Html): Html {
  const u = (p: string) => ctx.base + p;
  const links = NAV.filter((n) => allowed(ctx.user, n.role)).map(
    (n) => html`<li><a href="${u(n.path)}"${n.path === current ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
  );
  return shell(
    title,
    ctx.base,
    html`
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">ratwatch</span>
  <nav aria-label="Main"><ul>${links}</ul></nav>
  <form method="post" action="${u('/logout')}" class="logout">
    ${csrfField(ctx)}
    <span class="who">${ctx.user.name} <span class="role">(${ctx.user.role})</span></span>
    <button type="submit">Log out</button>
  </form>
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${flash(ctx.flash)}
${body}
</main>`,
  );
}

export function shell(title: string, base: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ratwatch</title>
<link rel="stylesheet" href="${base}/static/console.css">
</head>
<body>
${body}
</body>
</html>`;
}

/** The outcome of the last form, kept in the session across its redirect (never taken from the URL). */
export function flash(f: { ok?: string; error?: string } | undefined): Html {
  const { ok, error } = f ?? {};
  return html`${ok ? html`<p class="flash ok" role="status">${ok}</p>` : ''}${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}`;
}

export function sevBadge(sev: string | null | undefined): Html {
  if (!sev) return html`<span class="muted">none</span>`;
  return html`<span class="sev sev-${/^[a-z]+$/.test(sev) ? sev : 'info'}">${sev}</span>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="state state-${/^[a-z]+$/.test(state) ? state : 'unknown'}">${state}</span>`;
}

export function when(iso: string | null | undefined, now: Date): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return html`${iso}`;
  const s = Math.round((now.getTime() - t) / 1000);
  const ago =
    s < 90
      ? `${s} s ago`
      : s < 5400
        ? `${Math.round(s / 60)} min ago`
        : s < 172_800
          ? `${Math.round(s / 3600)} h ago`
          : `${Math.round(s / 86400)} days ago`;
  return html`<time datetime="${new Date(t).toISOString()}" title="${new Date(t).toISOString()}">${ago}</time>`;
}
