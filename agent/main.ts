#!/usr/bin/env node
import { setupProcess } from './process-setup.ts';
import { VERSION } from './version.ts';

setupProcess();

const args = process.argv.slice(2);
const runCli = () =>
  import('./cli/program.ts').then(({ run }) =>
    run(process.argv).then((code) => {
      process.exitCode = code;
    }),
  );
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // MDM inventory checks run this on every laptop: answer before loading the CLI, catalog and schemas
  process.stdout.write(`${VERSION}\n`);
} else if (args[0] === 'daemon') {
  // the resident daemon loads only its scheduler (daemon/main.ts); help and odd flags go to the full CLI
  void import('./daemon/main.ts').then(({ daemonMain }) =>
    daemonMain(args.slice(1)).then((code) => (code === undefined ? runCli() : void (process.exitCode = code))),
  );
} else {
  void runCli();
}
