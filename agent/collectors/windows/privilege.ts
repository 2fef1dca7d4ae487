import type { SettingInfo } from '../../model.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector } from '../types.ts';
import { hostFactsSection } from './host-facts.ts';
import { isRecord, parsePsJson, str } from './powershell.ts';

// Whether this scan runs with an administrator's token: the Privilege section of the shared host-facts
// run (host-facts.ts says why IsInRole(Administrator) is the question).

const SOURCE = 'WindowsPrincipal.IsInRole(Administrator)';
const WHAT = 'administrator check';

/** The privilege setting from the section's object; a missing or non-boolean answer throws one line. */
export function privilegeFrom(v: unknown): SettingInfo {
  if (!isRecord(v) || typeof v.Administrator !== 'boolean') throw new Error(`${WHAT}: no Administrator true/false in the answer`);
  const user = str(v.User);
  return { key: SETTING_KEYS.agentPrivileged, value: v.Administrator, source: user ? `${SOURCE} as ${user}` : SOURCE };
}

/** The same from the section as JSON text. */
export function parsePrivilege(stdout: string): SettingInfo {
  return privilegeFrom(parsePsJson(stdout, WHAT));
}

export const privilegeCollector: Collector = {
  name: 'windows.privilege',
  async collect(ctx) {
    return { settings: [privilegeFrom(await hostFactsSection(ctx, 'Privilege', WHAT))] };
  },
};
