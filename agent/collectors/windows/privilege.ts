import type { SettingInfo } from '../../model.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector } from '../types.ts';
import { PS_PRELUDE, isRecord, parsePsJson, runPowerShell, str } from './powershell.ts';

// Whether this scan runs with an administrator's token. Under UAC an administrator's ordinary token has the
// Administrators group for deny only, and IsInRole(Administrator) is then false: exactly the case in which
// other users' executable paths, hashes and socket owners go missing. LocalSystem (the scheduled task the
// MDM installs) holds BUILTIN\Administrators enabled, so it counts as privileged.
// (Microsoft Learn: WindowsPrincipal.IsInRole(WindowsBuiltInRole), WindowsIdentity.GetCurrent, .IsSystem.)
export const PRIVILEGE_SCRIPT =
  PS_PRELUDE +
  [
    '$id=[Security.Principal.WindowsIdentity]::GetCurrent()',
    '$p=New-Object Security.Principal.WindowsPrincipal $id',
    '[pscustomobject]@{User=$id.Name; System=$id.IsSystem; Administrator=$p.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)} | ConvertTo-Json -Compress',
  ].join('; ');

const SOURCE = 'WindowsPrincipal.IsInRole(Administrator)';

/** The privilege setting from the script's answer; a missing or non-boolean answer throws one line. */
export function parsePrivilege(stdout: string): SettingInfo {
  const v = parsePsJson(stdout, 'administrator check');
  if (!isRecord(v) || typeof v.Administrator !== 'boolean')
    throw new Error('administrator check: no Administrator true/false in the answer');
  const user = str(v.User);
  return { key: SETTING_KEYS.agentPrivileged, value: v.Administrator, source: user ? `${SOURCE} as ${user}` : SOURCE };
}

export const privilegeCollector: Collector = {
  name: 'windows.privilege',
  async collect(ctx) {
    return { settings: [parsePrivilege(await runPowerShell(ctx, PRIVILEGE_SCRIPT, 'administrator check', { timeoutMs: 15_000 }))] };
  },
};
