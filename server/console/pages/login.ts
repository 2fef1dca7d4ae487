import { html, type Html } from '../html.ts';
import { csrfField, shell } from '../layout.ts';

export function loginPage(base: string, csrf: string, message?: string, username = ''): Html {
  return shell(
    'Sign in',
    base,
    html`
<main id="main" class="login">
<h1>ratwatch</h1>
<form method="post" action="${base}/login" aria-labelledby="login-h">
<h2 id="login-h">Sign in</h2>
${message ? html`<p class="flash error" role="alert">${message}</p>` : ''}
${csrfField({ csrf })}
<label>User name <input name="username" autocomplete="username" required maxlength="100" value="${username}" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="200"></label>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

export function errorPage(base: string, status: number, message: string): Html {
  return shell(
    `Error ${status}`,
    base,
    html`<main id="main"><h1>${status}</h1><p>${message}</p><p><a href="${base}/">Back to the overview</a></p></main>`,
  );
}
