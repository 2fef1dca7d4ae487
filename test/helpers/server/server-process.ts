import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../cli.ts';

// The server as an operator starts it (npm run server's command), for tests that kill it.

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  enrollSecret: string;
  caFile: string;
  admin?: { name: string; password: string };
  stdout: () => string;
  stderr: () => string;
}

export function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  // node itself with tsx's loader, not the tsx wrapper: a kill -9 must hit the process that serves.
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}server/main.ts`, '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 180 s: ${err.slice(0, 300)}`));
    }, 180_000);
    const check = () => {
      if (!/Then once per laptop/.test(out)) return;
      clearTimeout(timer);
      const admin = /first admin \(shown once\): (\S+) \/ (\S+)/.exec(out);
      resolve({
        child,
        url: /listening on (\S+)/.exec(out)![1],
        enrollSecret: /enrollment secret: (\S+)/.exec(out)![1],
        caFile: /TLS certificate: (\S+)/.exec(out)?.[1] ?? '',
        ...(admin ? { admin: { name: admin[1], password: admin[2] } } : {}),
        stdout: () => out,
        stderr: () => err,
      });
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err.split('\n')[0]}`));
    });
  });
}

export function stop(p: ServerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}
