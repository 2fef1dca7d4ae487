// Console sessions: an opaque random id in a cookie, the user and a per-session CSRF token on the server.
// The store is injected: the server keeps sessions in its database (store-sessions.ts) so several server
// processes share them; MemorySessions serves one process (the standalone console, tests). Sessions
// expire when idle and after an absolute lifetime.
import { randomBytes } from 'node:crypto';
import type { ConsoleUser } from './data.ts';

export interface Session {
  id: string;
  user?: ConsoleUser | undefined; // absent before login (the login form still needs a CSRF token)
  csrf: string;
  createdAt: number; // ms
  lastSeen: number; // ms
  flash?: { ok?: string; error?: string } | undefined; // the last form's outcome, shown once after its redirect
}

export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  put(session: Session): Promise<void>;
  delete(id: string): Promise<void>;
}

export const SESSION_IDLE_MS = 8 * 3600_000;
export const SESSION_MAX_MS = 24 * 3600_000;
const MAX_SESSIONS = 10_000;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newSession(user: ConsoleUser | undefined, now: number): Session {
  return { id: newToken(), user, csrf: newToken(), createdAt: now, lastSeen: now };
}

export function expired(s: Session, now: number): boolean {
  return now - s.lastSeen > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_MS;
}

/** One process's sessions, bounded: the oldest go first when full (anonymous login-form sessions count too). */
export class MemorySessions implements SessionStore {
  private readonly map = new Map<string, Session>();
  async get(id: string): Promise<Session | undefined> {
    return this.map.get(id);
  }
  async put(s: Session): Promise<void> {
    this.map.delete(s.id);
    this.map.set(s.id, s);
    while (this.map.size > MAX_SESSIONS) this.map.delete(this.map.keys().next().value as string);
  }
  async delete(id: string): Promise<void> {
    this.map.delete(id);
  }
}
