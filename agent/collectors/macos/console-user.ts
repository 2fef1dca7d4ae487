import { runListing } from '../common/exec.ts';
import { consoleUserCollector } from '../common/console-user.ts';

// macOS: the owner of /dev/console is the user logged in at the screen (root or _mbsetupuser at the login
// window and setup assistant), the check Apple's and Jamf's scripts use: `stat -f %Su /dev/console`
// (BSD stat(1): -f format, %Su the owner's user name).

export const STAT = '/usr/bin/stat';

export const darwinUser = consoleUserCollector('darwin', async (ctx) => {
  const name = (await runListing(ctx.runner, STAT, ['-f', '%Su', '/dev/console'])).trim();
  return name === 'root' ? undefined : name;
});
