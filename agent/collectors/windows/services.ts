import type { ServiceInfo, SettingInfo } from '../../model.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { envOrWarn, type EnvVars } from './environment.ts';
import { setCommand } from './resolve.ts';
import { PS_PRELUDE, parseJsonRecords, runPowerShell, str } from './powershell.ts';

// Win32 services from CIM. The OpenSSH server is a service too, so the ssh-server setting is derived here
// from the same table rather than by asking Windows a second time.

export const SERVICES_SCRIPT =
  PS_PRELUDE +
  'Get-CimInstance -ClassName Win32_Service | Select-Object Name,DisplayName,PathName,StartMode,State | ConvertTo-Json -Compress';

const SSHD = 'sshd';

export function parseServices(json: string, vars?: EnvVars): ServiceInfo[] {
  const out: ServiceInfo[] = [];
  for (const r of parseJsonRecords(json, 'Win32_Service')) {
    const name = str(r.Name);
    if (!name) continue;
    const s: ServiceInfo = { name: clean(name, 256), source: 'windows-service' };
    const display = cleanOpt(str(r.DisplayName), 256);
    if (display) s.displayName = display;
    setCommand(s, str(r.PathName), { vars, imagePath: true });
    const start = str(r.StartMode);
    if (start) s.startType = clean(start.toLowerCase(), 32);
    const state = str(r.State);
    if (state) s.state = clean(state.toLowerCase(), 32);
    s.file = `HKLM\\SYSTEM\\CurrentControlSet\\Services\\${s.name}`;
    out.push(s);
  }
  return out;
}

/** An sshd service that starts with Windows, or is running now, accepts SSH logins. */
export function sshSetting(services: ServiceInfo[]): SettingInfo {
  const sshd = services.find((s) => s.name.toLowerCase() === SSHD);
  if (!sshd) return { key: SETTING_KEYS.sshServerEnabled, value: false, source: 'Win32_Service: no sshd service' };
  const on = sshd.startType === 'auto' || sshd.state === 'running';
  return {
    key: SETTING_KEYS.sshServerEnabled,
    value: on,
    source: `Win32_Service sshd (StartMode ${sshd.startType ?? '?'}, State ${sshd.state ?? '?'})`,
  };
}

export const servicesCollector: Collector = {
  name: 'windows.services',
  async collect(ctx) {
    const json = await runPowerShell(ctx, SERVICES_SCRIPT, 'Get-CimInstance Win32_Service');
    const warnings: string[] = [];
    const services = parseServices(json, (await envOrWarn(ctx, warnings))?.machine);
    return warnings.length ? { services, settings: [sshSetting(services)], warnings } : { services, settings: [sshSetting(services)] };
  },
};
