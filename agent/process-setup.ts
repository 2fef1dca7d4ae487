import { safePath } from './system-programs.ts';

/** What every entry point does before anything else runs. */
export function setupProcess(): void {
  // ps-list runs `ps` through PATH, and so would anything else that spawns by name: only system folders
  // that root owns and nobody else can write
  process.env.PATH = safePath();
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
