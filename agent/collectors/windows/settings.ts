import type { SettingInfo } from '../../model.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector, CollectorContext } from '../types.ts';
import { regNumber, regQuery, regValue } from './reg.ts';

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

async function readSwitch(ctx: CollectorContext, sw: Switch): Promise<SettingInfo | undefined> {
  const keys = await regQuery(ctx, sw.regKey, { value: sw.value });
  const n = regNumber(keys?.map((k) => regValue(k, sw.value)).find((v) => v !== undefined));
  // an absent value leaves Windows' default (RDP denied, no Remote Assistance), which we do not guess at
  if (n === undefined) return undefined;
  return { key: sw.key, value: sw.on(n), source: `${sw.regKey}\\${sw.value}=${n}` };
}

export const settingsCollector: Collector = {
  name: 'windows.settings',
  async collect(ctx) {
    const settings: SettingInfo[] = [];
    for (const sw of SWITCHES) {
      const s = await readSwitch(ctx, sw);
      if (s) settings.push(s);
    }
    return { settings };
  },
};
