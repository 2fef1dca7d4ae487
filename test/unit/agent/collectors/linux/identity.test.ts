import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../../../../../agent/model.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { elfBuildId, elfNotesEnd } from '../../../../../agent/collectors/common/elf.ts';
import { fileIdentity, IdentityCache, DEFAULT_IDENTITY_LIMITS } from '../../../../../agent/collectors/common/identity.ts';
import { findReferenceFiles, linuxIdentity } from '../../../../../agent/collectors/linux/identity.ts';
import type { InventoryPart } from '../../../../../agent/collectors/types.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const ELF = join(FIXTURES, 'linux/elf');
const head = readFileSync(join(ELF, 'x11vnc-head.bin'));
// the independent answer: `file -L /usr/bin/x11vnc` on the capture machine
const FILE_BUILD_ID = /BuildID\[sha1\]=([0-9a-f]+)/.exec(readFileSync(join(ELF, 'x11vnc.file.txt'), 'utf8'))![1];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A minimal ELF with one PT_NOTE holding a GNU build-id, in either class and byte order. */
function makeElf(is64: boolean, le: boolean, id: Buffer): Buffer {
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const noteOff = ehsize + phentsize;
  const note = Buffer.alloc(12 + 4 + id.length);
  const w32 = (b: Buffer, o: number, v: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w32(note, 0, 4);
  w32(note, 4, id.length);
  w32(note, 8, 3);
  note.write('GNU\0', 12, 'latin1');
  id.copy(note, 16);
  const b = Buffer.alloc(noteOff + note.length);
  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  const w16 = (o: number, v: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w64 = (o: number, v: number) => (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o));
  if (is64) {
    w64(0x20, ehsize);
    w16(0x36, phentsize);
    w16(0x38, 1);
    w32(b, ehsize, 4);
    w64(ehsize + 8, noteOff);
    w64(ehsize + 0x20, note.length);
    w64(ehsize + 0x30, 4);
  } else {
    w32(b, 0x1c, ehsize);
    w16(0x2a, phentsize);
    w16(0x2c, 1);
    w32(b, ehsize, 4);
    w32(b, ehsize + 4, noteOff);
    w32(b, ehsize + 0x10, note.length);
    w32(b, ehsize + 0x1c, 4);
  }
  note.copy(b, noteOff);
  return b;
}

describe('elfBuildId', () => {
  it('reads the build-id of the real x11vnc, as `file` reports it', () => {
    expect(FILE_BUILD_ID).toBe('b16dc20339b47925697778a154bafb9a688828ca');
    expect(elfBuildId(head)).toBe(FILE_BUILD_ID);
  });

  it('reads 32-bit and big-endian files', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff01020304', 'hex');
    for (const is64 of [true, false]) for (const le of [true, false]) expect(elfBuildId(makeElf(is64, le, id))).toBe(id.toString('hex'));
  });

  it('answers undefined for every truncation of a real header, and says how much to read', () => {
    for (let n = 0; n < 1024; n++) {
      const cut = head.subarray(0, n);
      const id = elfBuildId(cut);
      expect(id === undefined || id === FILE_BUILD_ID).toBe(true);
    }
    // 64 bytes: the ELF header alone says where the program headers end; those say where the notes end
    const first = elfNotesEnd(head.subarray(0, 64))!;
    expect(first).toBe(64 + 13 * 56);
    expect(elfBuildId(head.subarray(0, first))).toBeUndefined();
    const second = elfNotesEnd(head.subarray(0, first))!;
    expect(second).toBeGreaterThan(first);
    expect(elfBuildId(head.subarray(0, second))).toBe(FILE_BUILD_ID);
  });

  it('survives garbage: not ELF, absurd counts and offsets, looping notes', () => {
    expect(elfBuildId(Buffer.alloc(0))).toBeUndefined();
    expect(elfBuildId(Buffer.from('#!/bin/sh\necho hi\n'))).toBeUndefined();
    expect(elfNotesEnd(Buffer.from('MZ\x90\x00'))).toBeUndefined();
    const hugePh = Buffer.from(head);
    hugePh.writeUInt16LE(0xffff, 0x38); // e_phnum
    expect(elfBuildId(hugePh)).toBeUndefined();
    const farPh = Buffer.from(head);
    farPh.writeBigUInt64LE(0xffffffffffffff00n, 0x20); // e_phoff past 2^53
    expect(elfBuildId(farPh)).toBeUndefined();
    const zeroNote = makeElf(true, true, Buffer.alloc(20));
    zeroNote.fill(0, 64 + 56); // a note segment of zero-length notes must not loop forever
    expect(elfBuildId(zeroNote)).toBeUndefined();
    const bigDesc = makeElf(true, true, Buffer.alloc(20, 1));
    bigDesc.writeUInt32LE(0xfffffff0, 64 + 56 + 4); // descsz far beyond the segment
    expect(elfBuildId(bigDesc)).toBeUndefined();
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(head.subarray(0, 1024));
      for (let k = 0; k < 8; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        junk[seed % 1024] = seed & 0xff;
      }
      expect(() => elfBuildId(junk)).not.toThrow();
    }
  });
});

describe('fileIdentity / IdentityCache', () => {
  it('hashes and sizes a file, and skips the hash past the size limit', async () => {
    const runner = new ReplayRunner({ files: { '/usr/bin/x11vnc': head } });
    expect(await fileIdentity(runner, '/usr/bin/x11vnc', DEFAULT_IDENTITY_LIMITS)).toEqual({
      size: 4096,
      sha256: sha(head),
      elfBuildId: FILE_BUILD_ID,
    });
    expect(await fileIdentity(runner, '/usr/bin/x11vnc', { ...DEFAULT_IDENTITY_LIMITS, maxHashBytes: 4095 })).toEqual({
      size: 4096,
      elfBuildId: FILE_BUILD_ID,
    });
    expect(await fileIdentity(runner, '/usr/bin', DEFAULT_IDENTITY_LIMITS)).toBeUndefined(); // a directory
    expect(await fileIdentity(runner, '/nope', DEFAULT_IDENTITY_LIMITS)).toBeUndefined();
  });

  it('stops at the file cap and reuses what it computed', async () => {
    const runner = new ReplayRunner({ files: { '/a': Buffer.from('a'), '/b': Buffer.from('b') } });
    const cache = new IdentityCache(runner, { ...DEFAULT_IDENTITY_LIMITS, maxFiles: 1 });
    expect(await cache.get('/a')).toEqual({ size: 1, sha256: sha(Buffer.from('a')) });
    expect(await cache.get('/b')).toBeUndefined();
    expect(await cache.get('/a')).toEqual({ size: 1, sha256: sha(Buffer.from('a')) });
    expect(cache.size).toBe(1);
  });
});

function parts(processes: ProcessInfo[]): Required<InventoryPart> {
  return { processes, packages: [], services: [], sockets: [], devices: [], settings: [], files: [], context: {} };
}

describe('linux.identity', () => {
  const other = Buffer.from('#!/bin/sh\nexec true\n');
  const runner = () =>
    new ReplayRunner({
      files: {
        '/usr/bin/x11vnc': head,
        '/bin/x11vnc': head, // the same file seen through the merged-/usr link
        '/opt/vendor/bin/X11VNC': head,
        '/usr/bin/rustdesk': other,
        '/usr/bin/snap': other,
        '/tmp/foo': head,
      },
      links: { '/bin': 'usr/bin', '/proc/300/exe': '/usr/bin/x11vnc', '/snap/bin/anydesk': '/usr/bin/snap' },
    });

  it('fingerprints process binaries and the reference copies of the names the catalog knows', async () => {
    const inv = parts([
      { pid: 300, name: 'x11vnc', exe: '/usr/bin/x11vnc' },
      { pid: 301, name: 'foo', exe: '/tmp/foo' },
      { pid: 302, name: 'x11vnc', exe: '/usr/bin/x11vnc' },
      { pid: 2, name: 'kthreadd' },
      { pid: 303, name: 'gone', exe: '/tmp/vanished' },
    ]);
    await linuxIdentity.enrich(
      { runner: runner(), hints: { executableNames: ['x11vnc', 'anydesk', 'rustdesk'] }, allowProbes: false },
      inv,
    );
    const id = { size: 4096, sha256: sha(head), elfBuildId: FILE_BUILD_ID };
    expect(inv.processes.map((p) => p.identity)).toEqual([id, id, id, undefined, undefined]);
    // /bin is /usr/bin; /snap/bin/anydesk is snap's launcher, not AnyDesk
    expect(inv.files).toEqual([
      { path: '/usr/bin/rustdesk', identity: { size: other.length, sha256: sha(other) } },
      { path: '/usr/bin/x11vnc', identity: id },
      { path: '/opt/vendor/bin/X11VNC', identity: id },
    ]);
  });

  it('does nothing without processes or names, and finds no file when the directories are missing', async () => {
    const inv = parts([]);
    await linuxIdentity.enrich({ runner: new ReplayRunner({}), hints: { executableNames: ['x11vnc'] }, allowProbes: false }, inv);
    expect(inv.files).toEqual([]);
    expect(await findReferenceFiles(runner(), [])).toEqual([]);
  });
});
