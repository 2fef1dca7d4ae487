import { consoleUserCollector } from '../common/console-user.ts';
import { hostFactsSection } from './host-facts.ts';
import { isRecord, str } from './powershell.ts';

// Windows: the console session's user (Win32_ComputerSystem.UserName, DOMAIN\user, null when nobody is
// logged on at the console) from the ConsoleUser section of the shared host-facts run (host-facts.ts).

export const windowsUser = consoleUserCollector('windows', async (ctx) => {
  const v = await hostFactsSection(ctx, 'ConsoleUser', 'console user');
  return isRecord(v) ? str(v.UserName) : undefined;
});
