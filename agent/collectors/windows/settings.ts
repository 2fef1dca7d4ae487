import type { SettingInfo } from '../../model.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector } from '../types.ts';
import { regNumber, regRead, regValue, type RegAnswer } from './reg.ts';

// Windows' own remote access switches. (ssh-server.enabled comes from the service table, services.ts.)

interface Switch {
  key: string;
  regKey: string;
  value: string;
  on: (n: number) => boolean;
}

export const SWITCHES: Switch[] = [
  {
    key: SETTING_KEYS.rdpEnabled,
    regKey: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server',
    value: 'fDenyTSConnections',
    on: (n) => n === 0, // "deny" = 0: Remote Desktop accepts connections
  },
  {
    key: SETTING_KEYS.remoteAssistanceEnabled,
    regKey: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Remote Assistance',
    value: 'fAllowToGetHelp',
    on: (n) => n === 1,
  },
];

function readSwitch(sw: Switch, answer: RegAnswer): SettingInfo | undefined {
  const n = regNumber(answer.keys?.map((k) => regValue(k, sw.value)).find((v) => v !== undefined));
  // an absent value leaves Windows' default (RDP denied, no Remote Assistance), which we do not guess at
  if (n === undefined) return undefined;
  return { key: sw.key, value: sw.on(n), source: `${sw.regKey}\\${sw.value}=${n}` };
}

export const settingsCollector: Collector = {
  name: 'windows.settings',
  async collect(ctx) {
    const answers = await regRead(
      ctx,
      SWITCHES.map((sw) => ({ key: sw.regKey, value: sw.value })),
      'registry read of the remote access switches',
    );
    const settings = SWITCHES.map((sw, i) => readSwitch(sw, answers[i])).filter((s): s is SettingInfo => !!s);
    return { settings };
  },
};
