// The executable's daemon bundle (scripts/package): `ratwatch daemon ...` starts here instead of
// agent/main.ts. Arguments it does not read go to the full CLI, which the executable's loader offers as
// globalThis.ratwatchFullCli.
import { setupProcess } from '../process-setup.ts';
import { EXIT } from '../vocabulary.ts';
import { daemonMain } from './main.ts';

setupProcess();
void daemonMain(process.argv.slice(3)).then((code) => {
  const full = (globalThis as { ratwatchFullCli?: () => void }).ratwatchFullCli;
  if (code !== undefined) process.exitCode = code;
  else if (full) full();
  else {
    process.stderr.write('ratwatch: the full command line is not available in this build\n');
    process.exitCode = EXIT.internal;
  }
});
