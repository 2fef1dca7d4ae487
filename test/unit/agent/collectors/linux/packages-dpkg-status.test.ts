import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DPKG_ARGS,
  DPKG_STATUS,
  DPKG_UPDATES,
  linuxDpkg,
  MAX_STATUS_BYTES,
  parseDpkg,
  parseDpkgStatus,
} from '../../../../../agent/collectors/linux/packages-dpkg.ts';
import type { Runner } from '../../../../../agent/runner.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';

// dpkg's status file read in-process instead of starting dpkg-query (test/fixtures/linux/dpkg-status/README.md)

const FIX = join(FIXTURES, 'linux', 'dpkg-status');
const QUERY = ['dpkg-query', ...DPKG_ARGS].join(' ');
const ctx = (runner: Runner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const stanza = (name: string, status: string, version = '1.0', extra = '') =>
  `Package: ${name}\nStatus: ${status}\nArchitecture: amd64\n${extra}Version: ${version}\n`;

describe('linux.dpkg from /var/lib/dpkg/status', () => {
  it('gives what dpkg-query printed on the same host, without starting it', async () => {
    const runner = loadReplayDir(FIX);
    const { packages } = await linuxDpkg.collect(ctx(runner));
    expect(packages).toEqual(parseDpkg(readFileSync(join(FIX, 'commands/dpkg-query.txt'), 'utf8')));
    expect(packages).toContainEqual({ name: 'xvfb', version: '2:21.1.7-3+deb12u13', source: 'dpkg' });
    expect(runner.calls).toEqual([]);
  });

  it('keeps the states whose files are on disk, as db:Status-Abbrev does, and sorts like dpkg-query', () => {
    const text = [
      stanza('zed', 'install ok installed'),
      stanza('b', 'install reinstreq half-installed'),
      stanza('c', 'install ok unpacked'),
      stanza('d', 'install ok half-configured'),
      stanza('e', 'install ok triggers-awaited'),
      stanza('f', 'install ok triggers-pending'),
      stanza('gone', 'deinstall ok config-files'),
      stanza('never', 'purge ok not-installed'),
      stanza('held', 'hold ok installed'),
    ].join('\n');
    expect(parseDpkgStatus(Buffer.from(text)).map((p) => p.name)).toEqual(['b', 'c', 'd', 'e', 'f', 'held', 'zed']);
  });

  it('reads fields in any case, skips continuation lines that look like fields, and orders architectures', () => {
    const text =
      'package: libfoo\nSTATUS: install ok installed\nArchitecture: i386\nDescription: x\n Version: 9.9\n Package: evil\nversion: 2.0\n\n' +
      'Package: libfoo\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0\n';
    expect(parseDpkgStatus(Buffer.from(text))).toEqual([
      { name: 'libfoo', version: '2.0', source: 'dpkg' },
      { name: 'libfoo', version: '2.0', source: 'dpkg' },
    ]);
  });

  it('treats blank lines with spaces or CRLF endings as separators and needs Package and Status', () => {
    const text =
      'Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n \t\r\nPackage: b\nVersion: 2\n\nStatus: install ok installed\nVersion: 3\n';
    expect(parseDpkgStatus(Buffer.from(text))).toEqual([{ name: 'a', version: '1', source: 'dpkg' }]);
  });

  it('escapes hostile names and bounds huge fields without decoding them', () => {
    const huge = 'x'.repeat(2_000_000);
    const text = Buffer.concat([
      Buffer.from(stanza('ev\x1b[31mil', 'install ok installed', '1\u202e2', `Description: ${huge}\n ${huge}\n`)),
      Buffer.from(`\nPackage: ${'p'.repeat(10_000)}\nStatus: install ok installed\n\nno colon at all\n\n`),
      // invalid UTF-8 decodes to U+FFFD, as dpkg-query's output does through the runner
      Buffer.from('Package: bad\xff\xfeutf8\nStatus: install ok installed\n', 'latin1'),
    ]);
    const pkgs = parseDpkgStatus(text);
    expect(pkgs.map((p) => p.name)).toEqual(['bad\ufffd\ufffdutf8', 'ev\\x1b[31mil', `${'p'.repeat(255)}…`]);
    expect(pkgs[1]!.version).toBe('1\\u202e2');
  });

  it('asks dpkg-query when the file is missing, too large, or dpkg has journalled updates', async () => {
    const out = 'a\t1\tii \n';
    const query = { [QUERY]: out };
    const asked = async (spec: ConstructorParameters<typeof ReplayRunner>[0]) => {
      const runner = new ReplayRunner(spec);
      const { packages } = await linuxDpkg.collect(ctx(runner));
      return { names: packages!.map((p) => p.name), calls: runner.calls };
    };
    const file = stanza('fromfile', 'install ok installed');
    expect(await asked({ commands: query })).toEqual({ names: ['a'], calls: [QUERY] });
    expect(await asked({ commands: query, files: { [DPKG_STATUS]: file, [`${DPKG_UPDATES}/0003`]: 'Package: x\n' } })).toEqual({
      names: ['a'],
      calls: [QUERY],
    });
    // a non-journal name in updates/ (dpkg's tmp.i) is not pending work
    expect(await asked({ commands: query, files: { [DPKG_STATUS]: file, [`${DPKG_UPDATES}/tmp.i`]: '' } })).toEqual({
      names: ['fromfile'],
      calls: [],
    });
    const big = Buffer.alloc(MAX_STATUS_BYTES + 1, 0x0a);
    expect(await asked({ commands: query, files: { [DPKG_STATUS]: big } })).toEqual({ names: ['a'], calls: [QUERY] });
  });
});
