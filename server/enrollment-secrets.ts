import { errorLine } from '../agent/log-line.ts';
import { randomBytes } from 'node:crypto';
import { newSecret } from './api/passwords.ts';
import type { Store } from './store/types.ts';

// The fleet's enrollment secret, changeable from the console: one secret is active at a time (the ingest
// path compares against `current()`); creating a new one retires the old, revoking the active one leaves
// a random secret nobody was shown (no enrollment until an admin creates one). The secret lives in the
// settings row `enrollSecret` (as on first start); the list the console shows keeps labels and hints only.
// Several server instances pick up a change within REFRESH_MS.

const SECRET_KEY = 'enrollSecret';
const HISTORY_KEY = 'enrollSecretHistory';
const MAX_HISTORY = 50;
export const REFRESH_MS = 30_000;

export interface SecretEntry {
  id: string;
  label: string;
  createdAt: string;
  createdBy: string;
  hint: string;
  revokedAt?: string;
}
type Result = { ok: true; message?: string } | { ok: false; error: string };

export class EnrollmentSecrets {
  private value: string;
  private timer?: NodeJS.Timeout;

  /** `fixed`: the server config names the secret; the console then cannot change it. */
  private constructor(
    private readonly store: Store,
    initial: string,
    private readonly fixed: boolean,
    private readonly now: () => Date,
  ) {
    this.value = initial;
  }

  static async open(store: Store, configured: string | undefined, now: () => Date): Promise<EnrollmentSecrets> {
    const initial = configured ?? (await store.settingOrInit(SECRET_KEY, newSecret('rwe')));
    return new EnrollmentSecrets(store, initial, configured !== undefined, now);
  }

  current(): string {
    return this.value;
  }

  /** Follows changes made by other instances. */
  start(log: (line: string) => void): void {
    if (this.fixed) return;
    this.timer = setInterval(() => {
      this.store.settingOrInit(SECRET_KEY, this.value).then(
        (v) => (this.value = v),
        (e) => log(`ratwatch-server: enrollment secret refresh: ${errorLine(e)}`),
      );
    }, REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async history(): Promise<SecretEntry[]> {
    try {
      const list = JSON.parse(await this.store.settingOrInit(HISTORY_KEY, '[]')) as SecretEntry[];
      if (Array.isArray(list) && list.length) return list;
    } catch {
      // unreadable: start the list anew
    }
    return [
      {
        id: 'initial',
        label: this.fixed ? 'server config' : 'first start',
        createdAt: '',
        createdBy: 'server',
        hint: this.value.slice(-4),
      },
    ];
  }

  list(): Promise<SecretEntry[]> {
    return this.history();
  }

  private async replace(secret: string, list: SecretEntry[]): Promise<void> {
    await this.store.putSetting(SECRET_KEY, secret);
    await this.store.putSetting(HISTORY_KEY, JSON.stringify(list.slice(0, MAX_HISTORY)));
    this.value = secret;
  }

  async rotate(label: string, by: string): Promise<Result> {
    if (this.fixed) return { ok: false, error: 'The enrollment secret is set in the server config; change it there.' };
    const at = this.now().toISOString();
    const secret = newSecret('rwe');
    const list = (await this.history()).map((e) => (e.revokedAt ? e : { ...e, revokedAt: at }));
    list.unshift({ id: randomBytes(6).toString('hex'), label, createdAt: at, createdBy: by, hint: secret.slice(-4) });
    await this.replace(secret, list);
    return { ok: true, message: `New enrollment secret (shown once; the previous one no longer enrolls): ${secret}` };
  }

  async revoke(id: string, _by: string): Promise<Result> {
    if (this.fixed) return { ok: false, error: 'The enrollment secret is set in the server config; change it there.' };
    const list = await this.history();
    const e = list.find((x) => x.id === id);
    if (!e || e.revokedAt) return { ok: false, error: 'No such active secret.' };
    e.revokedAt = this.now().toISOString();
    await this.replace(newSecret('rwe'), list);
    return { ok: true, message: 'Secret revoked: no agent can enroll until you create a new one. Enrolled agents keep their keys.' };
  }
}
