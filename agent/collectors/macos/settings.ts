import type { SettingInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector } from '../types.ts';
import { lines } from '../common/text.ts';
import { LAUNCHCTL } from './launchd.ts';
import { psTable } from './processes.ts';

// macOS's own remote-access switches.
// - Screen Sharing and Remote Login are launchd jobs (com.apple.screensharing, com.openssh.sshd) whose
//   plists ship Disabled=true; System Settings turns them on by writing an override into launchd's
//   database, which `launchctl print-disabled system` prints (readable without root). Recent releases
//   (by public reports, from macOS 13) print enabled/disabled, older ones false/true (where true means
//   disabled); both are read. No override means the plist default: off.
// - Remote Login is also asked of `systemsetup -getremotelogin`, which needs root and, without it,
//   prints "You need administrator access to run this tool... exiting!" and still exits 0.
// - Remote Management (Apple Remote Desktop): kickstart -activate writes "enabled" into
//   RemoteManagement.launchd; a running ARDAgent is the fallback signal. The RemoteManagement
//   preferences plist is not used: it can hold stale keys while the service is off.

export const SYSTEMSETUP = '/usr/sbin/systemsetup';
export const ARD_TRIGGER = '/Library/Application Support/Apple/Remote Desktop/RemoteManagement.launchd';
const SCREENSHARING = 'com.apple.screensharing';
const SSHD = 'com.openssh.sshd';

/** Label -> enabled, from `launchctl print-disabled <domain>`. */
export function parsePrintDisabled(out: string): Map<string, boolean> {
  const map = new Map<string, boolean>();
  for (const line of lines(out)) {
    const m = /^\s*"([^"]+)"\s*=>\s*(enabled|disabled|true|false)\s*$/.exec(line);
    if (m && map.size < 10_000) map.set(m[1], m[2] === 'enabled' || m[2] === 'false');
  }
  return map;
}

/** "Remote Login: On" -> true; undefined when systemsetup refused or printed something else. */
export function parseRemoteLogin(out: string): boolean | undefined {
  const m = /^\s*Remote Login:\s*(On|Off)\s*$/im.exec(out);
  return m ? m[1].toLowerCase() === 'on' : undefined;
}

async function overrides(runner: Runner): Promise<Map<string, boolean> | string> {
  try {
    const res = await runner.exec(LAUNCHCTL, ['print-disabled', 'system'], { timeoutMs: 10_000 });
    if (res.code !== 0) return `launchctl print-disabled exited ${res.code}`;
    return parsePrintDisabled(res.stdout);
  } catch (e) {
    return (e as Error).message;
  }
}

async function systemsetupRemoteLogin(runner: Runner): Promise<boolean | undefined> {
  try {
    const res = await runner.exec(SYSTEMSETUP, ['-getremotelogin'], { timeoutMs: 10_000 });
    return parseRemoteLogin(res.stdout);
  } catch {
    return undefined;
  }
}

async function remoteManagement(runner: Runner): Promise<SettingInfo | undefined> {
  const key = SETTING_KEYS.remoteManagementEnabled;
  let triggerRead = false;
  try {
    const text = (await runner.readFile(ARD_TRIGGER, 4096)).toString('utf8');
    triggerRead = true;
    if (/enabled/i.test(text)) return { key, value: true, source: ARD_TRIGGER };
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') triggerRead = true; // absent: never activated
  }
  try {
    const { rows, args } = await psTable(runner);
    const comms = [...rows.values()].map((r) => r.comm.replace(/^\((.*)\)$/, '$1'));
    if (
      comms.some((c) => /(^|\/)ARDAgent$/.test(c)) ||
      [...args.values()].some((a) => /\/ARDAgent\.app\/Contents\/MacOS\/ARDAgent/.test(a))
    ) {
      return { key, value: true, source: 'ARDAgent process' };
    }
    return {
      key,
      value: false,
      source: triggerRead ? `${ARD_TRIGGER} (absent or not enabled); no ARDAgent process` : 'no ARDAgent process',
    };
  } catch {
    return triggerRead ? { key, value: false, source: `${ARD_TRIGGER} (absent or not enabled)` } : undefined;
  }
}

export const settingsCollector: Collector = {
  name: 'darwin.settings',
  async collect(ctx) {
    const [ov, setup, ard] = await Promise.all([overrides(ctx.runner), systemsetupRemoteLogin(ctx.runner), remoteManagement(ctx.runner)]);
    const settings: SettingInfo[] = [];
    const src = 'launchctl print-disabled system';
    if (typeof ov !== 'string') {
      const ss = ov.get(SCREENSHARING);
      settings.push({
        key: SETTING_KEYS.screenSharingEnabled,
        value: ss === true,
        source: ss === undefined ? `${src} (no override: plist default, disabled)` : src,
      });
    }
    let login: SettingInfo | undefined;
    if (setup !== undefined) login = { key: SETTING_KEYS.remoteLoginEnabled, value: setup, source: 'systemsetup -getremotelogin' };
    else if (typeof ov !== 'string') {
      const sshd = ov.get(SSHD);
      login = {
        key: SETTING_KEYS.remoteLoginEnabled,
        value: sshd === true,
        source: sshd === undefined ? `${src} (no override: plist default, disabled)` : src,
      };
    }
    // Remote Login is the only SSH server macOS ships; a third-party sshd shows up as a socket on :22
    if (login) settings.push(login, { ...login, key: SETTING_KEYS.sshServerEnabled });
    if (ard) settings.push(ard);
    if (!settings.length) throw new Error(`no remote-access setting could be read: ${typeof ov === 'string' ? ov : 'unknown'}`);
    return { settings };
  },
};
