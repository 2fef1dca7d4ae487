import { RunnerError, type ExecResult, type Runner } from '../../runner.ts';
import { SourceAbsent } from '../types.ts';

/**
 * Runs a listing command and returns its stdout, or throws a one-line Error the orchestrator can record
 * (the program is missing, timed out, or exited non-zero without printing anything usable).
 */
export async function runListing(runner: Runner, cmd: string, args: string[]): Promise<string> {
  let res: ExecResult;
  try {
    res = await runner.exec(cmd, args);
  } catch (e) {
    const line = firstLine(e instanceof Error ? e.message : String(e));
    throw e instanceof RunnerError && e.code === 'ENOENT' ? new SourceAbsent(line) : new Error(line);
  }
  if (res.code !== 0 && !res.stdout.trim()) {
    const why = firstLine(res.stderr) || `exit code ${res.code}`;
    throw new Error(`${[cmd, args[0]].filter(Boolean).join(' ')} failed: ${why}`);
  }
  return res.stdout;
}

export function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
}
