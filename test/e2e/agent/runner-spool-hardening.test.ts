import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RealRunner } from '../../../agent/runner.ts';
import { Spool, SpoolCorruptError } from '../../../agent/spool/spool.ts';
import { childEnv, programTable, resolveProgram } from '../../../agent/system-programs.ts';

const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-hrs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('system programs', () => {
  it('runs programs by absolute path from the fixed list, whatever PATH says', async () => {
    const ss = resolveProgram('ss');
    expect('path' in ss && ss.path).toMatch(/^\/(usr\/)?s?bin\/ss$/);
    expect(
      Object.values(programTable('linux'))
        .flat()
        .every((p) => p.startsWith('/')),
    ).toBe(true);
    expect(
      Object.values(programTable('win32'))
        .flat()
        .every((p) => /^[A-Z]:\\/i.test(p)),
    ).toBe(true);
    await expect(new RealRunner().exec('sh', ['-c', 'true'])).rejects.toMatchObject({
      code: 'EPERM',
      message: "sh is not in ratwatch's list of system programs",
    });
  });

  it('refuses a program another user owns or may write', async () => {
    const p = join(dir, 'fake-ss');
    writeFileSync(p, '#!/bin/sh\necho planted\n', { mode: 0o755 });
    chownSync(p, NOBODY, NOBODY);
    await expect(new RealRunner().exec(p, [])).rejects.toMatchObject({
      code: 'EPERM',
      message: `${p} refused: ${p} is owned by uid ${NOBODY}, not root`,
    });
    const q = join(dir, 'writable-ss');
    writeFileSync(q, '#!/bin/sh\necho planted\n');
    chmodSync(q, 0o777);
    await expect(new RealRunner().exec(q, [])).rejects.toMatchObject({ code: 'EPERM' });
  });

  it('gives children no secrets: a minimal environment with a fixed PATH', () => {
    const env = childEnv('linux', {
      RATWATCH_TOKEN: 'tok',
      HTTPS_PROXY: 'http://x',
      LD_PRELOAD: '/tmp/x.so',
      HOME: '/root',
      PATH: '/tmp/evil:/usr/bin',
    });
    expect(env).toEqual({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', LANG: 'C', HOME: '/root' });
  });
});

describe('spool entries', () => {
  it('refuses a report another user owns and escapes hostile names in the quarantine log', async () => {
    const spoolDir = join(dir, 'spool');
    const log: string[] = [];
    const spool = new Spool(spoolDir, { maxFiles: 100, maxBytes: 1e9, log: (l) => log.push(l) });
    await spool.open();
    const name = '000000000001-full-11111111-2222-4333-8444-555555555555.json';
    writeFileSync(join(spoolDir, name), '{}');
    chownSync(join(spoolDir, name), NOBODY, NOBODY);
    writeFileSync(join(spoolDir, 'x\u001b[31my.json'), 'junk');
    const [entry] = await spool.list();
    await expect(spool.read(entry)).rejects.toThrow(SpoolCorruptError);
    await expect(spool.read(entry)).rejects.toThrow(`${name}: refused, owned by uid ${NOBODY}, not by this agent (uid 0)`);
    expect(log).toHaveLength(1);
    expect(log[0]).toBe('ratwatch: spool: quarantined x\\x1b[31my.json: not a spool file name');
  });

  it('refuses a spool folder under /proc or owned by someone else', async () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    chownSync(theirs, NOBODY, NOBODY);
    await expect(new Spool(theirs, { maxFiles: 100, maxBytes: 1e9, log: () => undefined }).open()).rejects.toThrow(
      `spoolDir ${theirs}: refused, is owned by uid ${NOBODY}, not by this user (uid 0)`,
    );
    await expect(new Spool('/proc/self/x', { maxFiles: 100, maxBytes: 1e9, log: () => undefined }).open()).rejects.toThrow(
      'is under /proc',
    );
  });
});
