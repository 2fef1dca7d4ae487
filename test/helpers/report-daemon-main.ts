// Child process for report-daemon.test.ts: the real commander wiring of `daemon` and `flush`, with a
// scan that returns a fixed ScanResult after FAKE_SCAN_MS so signals can land mid-scan.
import { Command } from 'commander';
import { addReportCommands } from '../../agent/cli/report-commands.ts';
import { finding, scanResult } from './report-helpers.ts';

const delay = Number(process.env.FAKE_SCAN_MS ?? 0);
const program = new Command('ratwatch').exitOverride();
addReportCommands(program, {
  cycles: {
    scanOnce: async () => {
      await new Promise((ok) => setTimeout(ok, delay));
      process.stderr.write('fake scan done\n');
      return scanResult([finding('anydesk:1')]);
    },
  },
});
await program.parseAsync(process.argv);
