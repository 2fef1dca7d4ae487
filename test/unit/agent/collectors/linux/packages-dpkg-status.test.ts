import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clean, cleanOpt } from '../../../../../agent/text.ts';
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

  it('reads a window boundary, a line longer than a window and a file without a final newline as the simple reading does', () => {
    const real = readFileSync(join(FIX, 'files/var/lib/dpkg/status'));
    // ~250 KiB: several 64 KiB windows, stanzas cut at every offset of the real capture's six
    const many = Buffer.concat(
      Array.from({ length: 80 }, (_, i) => Buffer.concat([Buffer.from(`Package: p${i}\n`), real, Buffer.from('\n')])),
    );
    const long = Buffer.concat([
      many,
      Buffer.from(`Package: long\nStatus: install ok installed\nDescription: ${'é'.repeat(70_000)}\nVersion: 3\n`),
    ]);
    for (const buf of [real, many, long, many.subarray(0, many.length - 1), long.subarray(0, 100_000)]) {
      expect(parseDpkgStatus(buf)).toEqual(simpleParse(buf));
    }
    expect(parseDpkgStatus(long).find((p) => p.name === 'long')).toEqual({ name: 'long', version: '3', source: 'dpkg' });
  });

  it('agrees with the simple reading on random hostile text: CRs, NULs, odd case, blank lines of spaces, stray bytes', () => {
    const lines = [
      'Package: p',
      'package:q',
      'PACKAGE: \u00e9\u202e',
      'Package:',
      'Status: install ok installed',
      'status: hold ok unpacked ',
      'STATUS:install  ok\thalf-configured',
      'Status: deinstall ok config-files',
      'Status: install ok installed\r',
      'Version: 1',
      'VERSION:\t2 ',
      'Version: \xff\xfe',
      'Architecture: amd64',
      'architecture:i386',
      'Packages: no',
      'Description: x',
      ' Package: cont',
      '\tStatus: install ok installed',
      '',
      '',
      ' ',
      '\t\r',
      '\r',
      'no colon',
      'Pack age: x',
      '\0Package: n',
    ];
    const separators = ['\n', '\n', '\n', '\r\n'];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let found = 0;
    for (let round = 0; round < 500; round++) {
      const parts: Buffer[] = [];
      for (let n = rand(40); n > 0; n--) {
        parts.push(Buffer.from(lines[rand(lines.length)]!, 'latin1'));
        // now and then a stray byte, or no newline at all between two lines
        if (!rand(15)) parts.push(Buffer.from([rand(256)]));
        if (rand(30)) parts.push(Buffer.from(separators[rand(separators.length)]!));
      }
      const buf = Buffer.concat(parts);
      const expected = simpleParse(buf);
      expect(parseDpkgStatus(buf), JSON.stringify(buf.toString('latin1'))).toEqual(expected);
      found += expected.length;
    }
    // the lines make packages often enough for the comparison to mean something
    expect(found).toBeGreaterThan(300);
  });
});

/**
 * The status file read the plain way, a line at a time (what parseDpkgStatus did before it searched with
 * a regular expression): the specification the faster reading must agree with on any input.
 */
function simpleParse(buf: Buffer) {
  const rows: Record<string, string>[] = [];
  let cur: Record<string, string> = {};
  const flush = () => {
    const state = cur.status?.split(/\s+/)[2];
    if (
      cur.package &&
      state &&
      ['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending'].includes(state)
    )
      rows.push(cur);
    cur = {};
  };
  for (let pos = 0; pos < buf.length; ) {
    let end = buf.indexOf(0x0a, pos);
    if (end < 0) end = buf.length;
    const line = buf.subarray(pos, end);
    if (/^[ \t\r]*$/.test(line.toString('latin1'))) flush();
    else {
      const m = /^(package|version|architecture|status):/i.exec(line.toString('latin1'));
      if (m) cur[m[1]!.toLowerCase()] = buf.toString('utf8', pos + m[0].length, Math.min(end, pos + m[0].length + 4096)).trim();
    }
    pos = end + 1;
  }
  flush();
  const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => cmp(a.package, b.package) || cmp(a.architecture, b.architecture));
  return rows.map((r) => ({ name: clean(r.package!, 256), version: cleanOpt(r.version, 256), source: 'dpkg' }));
}
