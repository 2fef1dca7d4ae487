import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function spawnArgs(args: string[], opts: CliOptions) {
  return {
    file: TSX,
    argv: [`${ROOT}agent/main.ts`, ...args],
    options: { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env } },
  };
}

/** Runs the real CLI the way a user does (a child process), so exit codes and output are the user's. */
export function ratwatch(args: string[], opts: CliOptions = {}): CliRun {
  const { file, argv, options } = spawnArgs(args, opts);
  const r = spawnSync(file, argv, {
    ...options,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The same without blocking this process, for tests whose servers (an HTTPS endpoint) live in it. */
export function ratwatchAsync(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const { file, argv, options } = spawnArgs(args, opts);
  return new Promise((resolve) => {
    const child = spawn(file, argv, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
