import { execFile } from 'node:child_process';
import type { ScanResult } from '../model.ts';
import { childEnv } from '../system-programs.ts';
import { checkScanResult } from '../validate.ts';

// The daemon sleeps an hour between scans; a scan's heap (process table, packages, catalog index, JSON)
// would stay resident all that time. So each scheduled scan runs in a child process of the same
// executable, which returns every byte of it to the system when it exits, and the daemon keeps only the
// scheduler and the spool. The child gets the minimal environment: scanning needs no token.

export const CHILD_SCAN_COMMAND = '__scan-once';
const TIMEOUT_MS = 15 * 60_000; // a scan bounds its own collectors well within this
const MAX_OUTPUT = 256 * 1024 * 1024;

/** How to start this very program again: the single executable itself, or node with the same loader and script. */
export function selfCommand(): { cmd: string; args: string[] } {
  const sea = !process.argv[1] || process.argv[1] === process.execPath;
  return sea ? { cmd: process.execPath, args: [] } : { cmd: process.execPath, args: [...process.execArgv, process.argv[1]] };
}

export function scanInChild(policyFile: string | undefined, signal?: AbortSignal): Promise<ScanResult> {
  const self = selfCommand();
  const args = [...self.args, CHILD_SCAN_COMMAND, ...(policyFile ? ['--policy', policyFile] : [])];
  return new Promise((resolve, reject) => {
    execFile(
      self.cmd,
      args,
      { env: childEnv(), timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, encoding: 'utf8', signal },
      (error, stdout, stderr) => {
        // the child's warnings (not root, policy) belong in the daemon's log
        for (const line of stderr.split('\n').filter(Boolean).slice(0, 20)) process.stderr.write(`${line}\n`);
        if (error) {
          const e = error as NodeJS.ErrnoException & { killed?: boolean };
          const why = e.killed ? `timed out after ${TIMEOUT_MS / 1000} s` : e.name === 'AbortError' ? 'stopped' : e.message.split('\n')[0];
          return reject(new Error(`scan process failed: ${why}`));
        }
        try {
          resolve(checkScanResult(JSON.parse(stdout)));
        } catch (err) {
          reject(new Error(`scan process printed no scan result: ${(err as Error).message.split('\n')[0]}`));
        }
      },
    );
  });
}
