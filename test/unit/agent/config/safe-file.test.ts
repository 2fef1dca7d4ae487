import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafeFile, spoolDirProblem } from '../../../../agent/config/safe-file.ts';

// Runs as root in CI (the README's test line); `nobody` stands for the unprivileged user on the laptop.
const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-safe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string, text = 'x', mode = 0o644) => {
  const p = join(dir, name);
  writeFileSync(p, text, { mode });
  chmodSync(p, mode);
  return p;
};

describe('readSafeFile', () => {
  it('reads a regular file owned by root', () => {
    expect(readSafeFile(f('ok', 'hello'), { what: 'policy', maxBytes: 100, trusted: true, noFollow: true }).toString()).toBe('hello');
  });

  it('refuses /dev/zero, a FIFO and links to them at once instead of hanging or filling memory', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    symlinkSync('/dev/zero', join(dir, 'zero-link'));
    symlinkSync(fifo, join(dir, 'fifo-link'));
    for (const [p, what] of [
      ['/dev/zero', 'a device'],
      [fifo, 'a FIFO'],
      [join(dir, 'zero-link'), 'a device'],
      [join(dir, 'fifo-link'), 'a FIFO'],
    ]) {
      expect(() => readSafeFile(p, { what: 'inventory', maxBytes: 1024 })).toThrow(`inventory ${p}: ${what}, not a regular file`);
    }
    expect(() => readSafeFile(join(dir, 'zero-link'), { what: 'config', maxBytes: 1024, noFollow: true })).toThrow(
      /is a symbolic link \(not followed\)/,
    );
  });

  it('reads at most the limit', () => {
    expect(() => readSafeFile(f('big', 'y'.repeat(2000)), { what: 'catalog', maxBytes: 1000 })).toThrow(/larger than 1000 bytes/);
  });

  it('refuses a trusted file others can write, or that another user owns (sshd StrictModes)', () => {
    const writable = f('writable.yaml', 'allow: []', 0o666);
    expect(() => readSafeFile(writable, { what: 'policy', maxBytes: 100, trusted: true })).toThrow(
      `policy ${writable}: refused, writable by everyone (mode 666)`,
    );
    const groupWritable = f('group.yaml', 'allow: []', 0o664);
    expect(() => readSafeFile(groupWritable, { what: 'policy', maxBytes: 100, trusted: true })).toThrow(/writable by its group/);
    const theirs = f('theirs.yaml', 'allow: []', 0o644);
    chownSync(theirs, NOBODY, NOBODY);
    expect(() => readSafeFile(theirs, { what: 'policy', maxBytes: 100, trusted: true })).toThrow(
      `policy ${theirs}: refused, owned by uid ${NOBODY}, not by root or this user`,
    );
  });

  it('refuses a trusted file in a folder another user controls', () => {
    const sub = join(dir, 'userdir');
    mkdirSync(sub);
    chownSync(sub, NOBODY, NOBODY);
    const p = join(sub, 'policy.yaml');
    writeFileSync(p, 'allow: []');
    expect(() => readSafeFile(p, { what: 'policy', maxBytes: 100, trusted: true })).toThrow(`folder ${sub} is owned by uid ${NOBODY}`);
  });

  it('refuses a secret others can read, in one line', () => {
    const token = f('token', 'secret-token\n', 0o644);
    expect(() => readSafeFile(token, { what: 'endpoint.tokenFile', maxBytes: 100, trusted: true, secret: true })).toThrow(
      `endpoint.tokenFile ${token}: refused, readable by everyone (mode 644); chmod 600 it`,
    );
    expect(readSafeFile(f('token2', 'secret', 0o600), { what: 't', maxBytes: 100, trusted: true, secret: true }).toString()).toBe('secret');
  });
});

describe('spoolDirProblem', () => {
  it('refuses a spool under /proc, a symlinked one and one another user created', () => {
    expect(spoolDirProblem('/proc/self/fd')).toBe('is under /proc');
    expect(spoolDirProblem('/sys/kernel/x')).toBe('is under /sys');
    const real = join(dir, 'real-spool');
    mkdirSync(real);
    symlinkSync(real, join(dir, 'spool-link'));
    expect(spoolDirProblem(join(dir, 'spool-link'))).toBe('is a symbolic link');
    const theirs = join(dir, 'their-spool');
    mkdirSync(theirs, { mode: 0o777 });
    chownSync(theirs, NOBODY, NOBODY);
    expect(spoolDirProblem(theirs)).toBe(`is owned by uid ${NOBODY}, not by this user (uid 0)`);
    expect(spoolDirProblem(join(dir, 'not-yet'))).toBeUndefined();
    expect(spoolDirProblem(real)).toBeUndefined();
  });
});
