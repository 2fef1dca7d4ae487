#!/usr/bin/env node
import { run } from './cli/program.ts';
import { safePath } from './system-programs.ts';

// ps-list runs `ps` through PATH, and so would anything else that spawns by name: only system folders
// that root owns and nobody else can write, before anything else runs
process.env.PATH = safePath();

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

run(process.argv).then((code) => {
  process.exitCode = code;
});
