import type { Runner } from '../../runner.ts';
import { SYSTEMD_BOOTED } from './services-systemd.ts';

// systemd-logind (and elogind) keep the state that loginctl prints in /run/systemd: seats/<seat> and
// sessions/<id>, KEY=value lines written by seat_save() and session_save() (systemd src/login/logind-seat.c,
// logind-session.c). The files say "private data", but they are what libsystemd's public sd-login API
// reads (sd_seat_get_active reads ACTIVE=, sd_session_get_class CLASS=, sd_session_is_remote REMOTE=...:
// src/libsystemd/sd-login/sd-login.c), so every sd-login client depends on them as loginctl's D-Bus does.
// logind writes seats/seat0 whenever it runs (seat0 always exists), so its absence means logind has
// not written its state here and loginctl is asked instead, unless loginctl can only fail: /run/systemd
// is there (systemd is installed) but neither seat0 nor /run/systemd/system (systemd is not PID 1,
// sd_booted(3)), so neither logind nor elogind runs (a container).

export const LOGIND_SEAT0 = '/run/systemd/seats/seat0';
export const LOGIND_SESSIONS = '/run/systemd/sessions';
const RUN_SYSTEMD = '/run/systemd';

const MAX_SESSIONS = 16;
const MAX_STATE_BYTES = 64 * 1024;
const SESSION_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** KEY=value lines (sd-login reads them with parse_env_file; logind writes them unquoted). */
export function parseStateFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Session ids in a stable order: numeric ids by value (as logind numbers them), then the rest ("c1"). */
export function sortSessionIds(ids: string[]): string[] {
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : Number.POSITIVE_INFINITY);
  return ids.filter((id) => SESSION_ID.test(id)).sort((a, b) => num(a) - num(b) || (a < b ? -1 : a > b ? 1 : 0));
}

async function state(runner: Runner, path: string): Promise<Record<string, string> | undefined> {
  try {
    return parseStateFile((await runner.readFile(path, MAX_STATE_BYTES)).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The same choice linuxConsoleUser makes through loginctl: the user of seat0's active session when it is a
 * user session, else the first active local user session, else the first active remote one. Undefined
 * where logind's state files are not there to read; { user: undefined } when they say nobody is there.
 */
export async function readLogindConsoleUser(runner: Runner): Promise<{ user: string | undefined } | undefined> {
  const seat = await state(runner, LOGIND_SEAT0);
  if (!seat) return undefined;
  const session = (id: string) => state(runner, `${LOGIND_SESSIONS}/${id}`);
  const active = seat.ACTIVE;
  if (active && SESSION_ID.test(active)) {
    const s = await session(active);
    if (s?.CLASS === 'user' && s.USER) return { user: s.USER };
  }
  let ids: string[] = [];
  try {
    ids = (await runner.readDir(LOGIND_SESSIONS)).filter((e) => e.isFile).map((e) => e.name);
  } catch (e) {
    // logind makes the folder with the first session it saves; sd_get_sessions reads its absence as none
    if ((e as { code?: string }).code !== 'ENOENT') return undefined;
  }
  let remote: string | undefined;
  for (const id of sortSessionIds(ids).slice(0, MAX_SESSIONS)) {
    const s = await session(id);
    // ACTIVE and REMOTE are written as 1/0 (session_save's %i)
    if (s?.CLASS !== 'user' || s.ACTIVE !== '1' || !s.USER) continue;
    if (s.REMOTE !== '1') return { user: s.USER };
    remote ??= s.USER;
  }
  return { user: remote };
}

/** Called when seat0's state file is missing: true where loginctl could only fail (see above). */
export async function logindNotRunning(runner: Runner): Promise<boolean> {
  return (await runner.exists(RUN_SYSTEMD)) && !(await runner.exists(SYSTEMD_BOOTED));
}
