import { runListing } from '../common/exec.ts';
import { consoleUserCollector } from '../common/console-user.ts';
import type { Runner } from '../../runner.ts';
import { LOGIND_SEAT0, logindNotRunning, readLogindConsoleUser } from './logind-state.ts';
import { SYSTEMD_BOOTED } from './services-systemd.ts';

// Linux: systemd-logind knows who holds seat0 (the local screen and keyboard): `loginctl show-seat seat0
// --property=ActiveSession`, then that session's Name. Without a seat (a VM console, a server) the first
// active local user session counts, else an active remote one. `loginctl show-*` prints Key=value lines
// (systemd's loginctl(1), "--property"); list-sessions' first column is the session id.

const MAX_SESSIONS = 16;

/** Key=value lines of `loginctl show-seat` / `show-session`. */
export function parseLoginctlProps(out: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return props;
}

/** Session ids from `loginctl list-sessions --no-legend`, whatever the columns after the first. */
export function parseSessionIds(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((id) => /^[A-Za-z0-9_-]{1,32}$/.test(id ?? ''))
    .slice(0, MAX_SESSIONS);
}

const session = async (runner: Runner, id: string) =>
  parseLoginctlProps(
    await runListing(runner, 'loginctl', [
      'show-session',
      id,
      '--property=Name',
      '--property=Class',
      '--property=Active',
      '--property=Remote',
      '--no-pager',
    ]),
  );

export async function linuxConsoleUser(runner: Runner): Promise<string | undefined> {
  let seatSession: string | undefined;
  try {
    seatSession = parseLoginctlProps(
      await runListing(runner, 'loginctl', ['show-seat', 'seat0', '--property=ActiveSession', '--no-pager']),
    ).ActiveSession;
  } catch (e) {
    if ((e as Error).name === 'SourceAbsent') throw e; // no loginctl at all
    // no seat0 on this machine: look at the sessions below
  }
  if (seatSession && /^[A-Za-z0-9_-]{1,32}$/.test(seatSession)) {
    const s = await session(runner, seatSession);
    if (s.Class === 'user' && s.Name) return s.Name;
  }
  let remote: string | undefined;
  for (const id of parseSessionIds(await runListing(runner, 'loginctl', ['list-sessions', '--no-legend', '--no-pager']))) {
    const s = await session(runner, id);
    if (s.Class !== 'user' || s.Active !== 'yes' || !s.Name) continue;
    if (s.Remote !== 'yes') return s.Name;
    remote ??= s.Name;
  }
  return remote;
}

// systemd-logind's state files answer the same question without starting loginctl twice or more (see
// logind-state.ts); loginctl answers where logind has not written them
export const linuxUser = consoleUserCollector('linux', async ({ runner }) => {
  const fromFiles = await readLogindConsoleUser(runner);
  if (fromFiles) return fromFiles.user;
  if (await logindNotRunning(runner)) throw new Error(`systemd-logind is not running here (no ${LOGIND_SEAT0}, no ${SYSTEMD_BOOTED})`);
  return linuxConsoleUser(runner);
});
