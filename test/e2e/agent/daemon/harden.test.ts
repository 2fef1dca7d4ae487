import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../../agent/vocabulary.ts';
import { ROOT } from '../../../helpers/cli.ts';
import { waitFor } from '../../../helpers/procs.ts';
import { makeCerts, startReceiver, type Certs, type Receiver } from '../../../helpers/report-helpers.ts';

// The real commander wiring of `daemon` (report-daemon-main.ts, a fixed fake scan) as a child process,
// so signals and a second daemon are the operating system's.
const root = mkdtempSync(join(tmpdir(), 'ratwatch-hd-'));
let certs: Certs;
let rx: Receiver;
beforeAll(async () => {
  certs = makeCerts(root);
  rx = await startReceiver(certs);
});
afterAll(async () => {
  await rx.close();
  rmSync(root, { recursive: true, force: true });
});

function daemon(cfg: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/report-daemon-main.ts'), 'daemon', '--config', cfg], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, RW_TOKEN: 'tok-hd' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  void exited.then(() => clearTimeout(guard));
  return { child, exited, err: () => err };
}

const config = (spoolDir: string, schedule: string) =>
  `endpoint:\n  url: ${rx.url}\n  caFile: ${certs.caFile}\n  tokenEnv: RW_TOKEN\nschedule: "${schedule}"\njitterSeconds: 0\nspoolDir: ${spoolDir}\n`;

describe('daemon', () => {
  it('a second daemon on the same spool exits 2 with one clear line; SIGHUP reloads the config; every signal is logged', async () => {
    const spool = join(root, 'spool');
    const cfg = join(root, 'ratwatch.yaml');
    writeFileSync(cfg, config(spool, '0 0 1 1 *'));
    const a = daemon(cfg);
    await waitFor(() => /cycle 1: /.test(a.err()), 60_000, 'first daemon cycle');

    const b = daemon(cfg);
    expect(await b.exited).toBe(EXIT.badInput);
    expect(b.err()).toBe(`ratwatch: spool ${spool} is already used by another ratwatch daemon; stop it first (one daemon per spool)\n`);

    writeFileSync(cfg, config(spool, '0 0 2 1 *'));
    a.child.kill('SIGHUP');
    await waitFor(() => a.err().includes('schedule "0 0 2 1 *"'), 30_000, 'reload');
    expect(a.err()).toContain('ratwatch: SIGHUP received, reloading the config after the current cycle\n');
    expect(a.err()).toContain(`ratwatch: config reloaded from ${cfg}\n`);

    writeFileSync(cfg, 'endpoint:\n  url: [not, a, url]\n');
    a.child.kill('SIGHUP');
    await waitFor(() => a.err().includes('config not reloaded'), 30_000, 'refused reload');
    expect(a.err()).toMatch(
      /ratwatch: config not reloaded, keeping the previous one: config .*: endpoint.url must be a non-empty string\n/,
    );

    a.child.kill('SIGUSR1');
    await waitFor(() => a.err().includes('SIGUSR1 received, ignored'), 10_000, 'SIGUSR1 line');
    expect(a.child.exitCode).toBeNull();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(EXIT.clean);
    expect(a.err()).toContain('ratwatch: SIGTERM received, stopping after the current cycle\n');
    for (const l of a.err().trim().split('\n')) expect(l).toMatch(/^(ratwatch: |fake scan done$)/);
  }, 120_000);
});
