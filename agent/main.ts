#!/usr/bin/env node
import { safePath } from './system-programs.ts';
import { VERSION } from './version.ts';

// ps-list runs `ps` through PATH, and so would anything else that spawns by name: only system folders
// that root owns and nobody else can write, before anything else runs
process.env.PATH = safePath();

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // MDM inventory checks run this on every laptop: answer before loading the CLI, catalog and schemas
  process.stdout.write(`${VERSION}\n`);
} else {
  void import('./cli/program.ts').then(({ run }) =>
    run(process.argv).then((code) => {
      process.exitCode = code;
    }),
  );
}
