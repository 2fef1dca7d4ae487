import { consoleUserCollector } from '../common/console-user.ts';
import { PS_PRELUDE, runPowerShell } from './powershell.ts';

// Windows: Win32_ComputerSystem.UserName is "the name of the currently logged-on user" of the console
// session, as DOMAIN\user (Microsoft Learn, Win32_ComputerSystem class); null when nobody is logged on at
// the console (also over Remote Desktop only). The script prints it bare, or nothing.

export const USER_SCRIPT = `${PS_PRELUDE}$u=(Get-CimInstance -ClassName Win32_ComputerSystem).UserName;if($u){[Console]::Out.Write($u)}`;

export const windowsUser = consoleUserCollector(
  'windows',
  async (ctx) => (await runPowerShell(ctx, USER_SCRIPT, 'console user', { timeoutMs: 20_000 })).trim() || undefined,
);
