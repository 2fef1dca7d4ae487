import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../agent/vocabulary.ts';
import { ratwatchAsync } from '../../helpers/cli.ts';

// `ratwatch enroll --enroll-secret-file <file>` reads a path the operator typed: a device, a FIFO nobody
// writes to, a folder or a file of gigabytes must end in one line and exit 2, not a hang or a heap full of
// zeros. The real CLI runs as a child; the endpoint (port 1 on loopback) is never reached, since the
// secret is read first.

const dir = mkdtempSync(join(tmpdir(), 'rw-enroll-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOUND_MS = 60_000;

const config = join(dir, 'config.yaml');
writeFileSync(config, `endpoint:\n  url: https://127.0.0.1:1/v1/reports\nspoolDir: ${join(dir, 'spool')}\n`, { mode: 0o600 });

function enroll(file: string) {
  return ratwatchAsync(['enroll', '--enroll-secret-file', file, '--config', config], {
    env: { RATWATCH_ENROLL_SECRET: '' },
    timeoutMs: BOUND_MS,
  });
}

function expectOneLine(r: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code, `not finished within ${BOUND_MS} ms (killed) or wrong exit; stderr: ${r.stderr}`).toBe(EXIT.badInput);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^ratwatch: enroll: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\s+at /); // no stack trace
}

describe('enroll --enroll-secret-file refuses what is not a small regular file', { timeout: BOUND_MS + 30_000 }, () => {
  it('/dev/zero: a device, refused before a byte is read', async () => {
    expectOneLine(await enroll('/dev/zero'), /--enroll-secret-file \/dev\/zero: a device, not a regular file/);
  });

  it('a FIFO nobody writes to: refused at once instead of waiting for a writer', async () => {
    const fifo = join(dir, 'secret.fifo');
    execFileSync('/usr/bin/mkfifo', [fifo]);
    expectOneLine(await enroll(fifo), /secret\.fifo: a FIFO, not a regular file/);
  });

  it('a folder', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    expectOneLine(await enroll(folder), /a-folder: a folder, not a regular file/);
  });

  it('a 4 GiB file: refused by its size, never read', async () => {
    const big = join(dir, 'huge');
    writeFileSync(big, '');
    truncateSync(big, 4 * 1024 ** 3); // sparse: costs no disk
    expectOneLine(await enroll(big), /huge: larger than 65536 bytes/);
  });

  it('a missing file', async () => {
    expectOneLine(await enroll(join(dir, 'nope')), /nope: cannot read \(ENOENT\)/);
  });

  it('a file name with control characters is escaped in the one line', async () => {
    expectOneLine(await enroll(join(dir, 'evil\u001b[31m\nforged: line')), /evil\\x1b\[31m\\nforged: line: cannot read \(ENOENT\)/);
  });

  it('a readable secret file is used: enrollment goes on to the (unreachable) server', async () => {
    const ok = join(dir, 'secret');
    writeFileSync(ok, 'rwe_0123456789abcdef\n', { mode: 0o600 });
    const r = await enroll(ok);
    expect(r.stderr).toMatch(/^ratwatch: enroll: https:\/\/127\.0\.0\.1:1\/v1\/enroll: [^\n]*; try again later\n$/);
    expect(r.code).toBe(EXIT.pending);
  });
});
