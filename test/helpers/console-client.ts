// A cookie-keeping HTTP(S) client for the console's non-browser tests: signs in like a browser would.
import { request, type Answer } from './server/http.ts';

export class ConsoleClient {
  cookie = '';
  constructor(
    readonly base: string,
    readonly caFile?: string,
  ) {}

  async request(
    path: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await request(this.base + path, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      caFile: this.caFile,
    });
    const set = res.headers['set-cookie']?.[0];
    if (set) this.cookie = set.split(';')[0].endsWith('=') ? '' : set.split(';')[0];
    return res;
  }

  async text(path: string): Promise<string> {
    return (await this.request(path)).text;
  }

  /** The CSRF token of the forms on a page. */
  async csrf(path: string): Promise<string> {
    const m = /name="_csrf" value="([^"]+)"/.exec(await this.text(path));
    if (!m) throw new Error(`no CSRF field on ${path}`);
    return m[1];
  }

  async login(username: string, password: string): Promise<Answer> {
    const _csrf = await this.csrf('/login');
    return this.request('/login', { form: { _csrf, username, password } });
  }
}
