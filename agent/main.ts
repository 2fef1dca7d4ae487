#!/usr/bin/env node
import { run } from './cli/program.ts';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

run(process.argv).then((code) => {
  process.exitCode = code;
});
