import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlist, PlistError, PlistUid, type PlistDict } from '../../../../../agent/collectors/common/plist.ts';
import { MACOS_FIXTURES } from '../../../../fixtures/macos/replay.ts';

// sample.bplist and sample.xml are the same dictionary written by python3's plistlib in both formats
// (see test/fixtures/macos/plist/README.md); the parser must read them to identical values.

const fixture = (name: string) => readFileSync(join(MACOS_FIXTURES, 'plist', name));

/** A hand-laid bplist00 with 1-byte offsets and refs: objects are the raw encoded objects in order. */
function bplist(
  objects: Buffer[],
  top = 0,
  trailerOverride?: Partial<{ offsetSize: number; refSize: number; count: bigint; top: bigint; table: bigint }>,
): Buffer {
  const parts: Buffer[] = [Buffer.from('bplist00', 'latin1')];
  const offsets: number[] = [];
  let pos = 8;
  for (const o of objects) {
    offsets.push(pos);
    parts.push(o);
    pos += o.length;
  }
  const table = pos;
  parts.push(Buffer.from(offsets));
  const trailer = Buffer.alloc(32);
  trailer[6] = trailerOverride?.offsetSize ?? 1;
  trailer[7] = trailerOverride?.refSize ?? 1;
  trailer.writeBigUInt64BE(trailerOverride?.count ?? BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(trailerOverride?.top ?? BigInt(top), 16);
  trailer.writeBigUInt64BE(trailerOverride?.table ?? BigInt(table), 24);
  parts.push(trailer);
  return Buffer.concat(parts);
}

function expectPlistError(buf: Buffer, pattern: RegExp): void {
  let err: unknown;
  try {
    parsePlist(buf);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PlistError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain('\n');
}

describe('parsePlist on plistlib output', () => {
  const bin = parsePlist(fixture('sample.bplist')) as PlistDict;
  const xml = parsePlist(fixture('sample.xml')) as PlistDict;

  it('reads every value type of the binary format', () => {
    expect(bin.Label).toBe('com.example.sample');
    expect(bin.Unicode).toBe('Zoë – 日本語 ✓'); // stored as UTF-16BE (marker 0x6)
    expect(bin.LongASCII).toBe('a string longer than fifteen characters'); // length in a following int
    expect(bin.Int).toBe(42);
    expect(bin.Negative).toBe(-7);
    expect(bin.Big).toBe(2 ** 40 + 3);
    expect(bin.Wide).toBe(2 ** 52);
    expect(bin.Real).toBe(3.25);
    expect(bin.True).toBe(true);
    expect(bin.False).toBe(false);
    expect((bin.Date as Date).toISOString()).toBe('2024-11-12T10:41:27.000Z');
    expect(Buffer.isBuffer(bin.Data) && (bin.Data as Buffer).toString('hex')).toBe('000102ff524642');
    expect(bin.Empty).toEqual({});
    expect(bin.EmptyArray).toEqual([]);
    expect(bin.Nested).toEqual({ ProgramArguments: ['/bin/sh', '-c', 'echo hi'], KeepAlive: { SuccessfulExit: false } });
    // 300 strings push the object count past 255, so references are two bytes wide
    expect((bin.Many as string[]).length).toBe(300);
    expect((bin.Many as string[])[299]).toBe('item-299');
  });

  it('reads the XML format to the same values', () => {
    expect(xml).toEqual(bin);
  });

  it('keeps "__proto__" as an ordinary key', () => {
    expect(Object.keys(bin)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(bin, '__proto__')?.value).toBe('just a key');
    expect(Object.getPrototypeOf(bin)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).Label).toBeUndefined();
  });

  it('reads NSKeyedArchiver UIDs', () => {
    const u = parsePlist(fixture('uid.bplist')) as PlistDict;
    const root = (u.$top as PlistDict).root;
    expect(root).toBeInstanceOf(PlistUid);
    expect((root as PlistUid).value).toBe(1);
    expect(u.$objects).toEqual(['$null', 'x']);
  });
});

describe('parsePlist on XML details', () => {
  it('resolves entities and CDATA, skips comments, accepts a plist without the <plist> wrapper', () => {
    const xml =
      `<?xml version="1.0"?>\n<!-- note --><dict><key>a&amp;b</key><string>&lt;x&gt; &#233;&#x263A;</string>` +
      `<key>c</key><string><![CDATA[<raw>]]></string><key>n</key><integer> -12 </integer></dict>`;
    expect(parsePlist(Buffer.from(xml))).toEqual({ 'a&b': '<x> é☺', c: '<raw>', n: -12 });
  });

  it('reads UTF-16 XML with a byte-order mark', () => {
    const text = '<plist version="1.0"><dict><key>Label</key><string>com.example.utf16</string></dict></plist>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(parsePlist(le)).toEqual({ Label: 'com.example.utf16' });
    const be = Buffer.from(le);
    be.swap16();
    expect(parsePlist(be)).toEqual({ Label: 'com.example.utf16' });
  });
});

describe('parsePlist on hostile input', () => {
  it('rejects garbage with one line', () => {
    expectPlistError(Buffer.from('\x00\x01 not a plist at all'), /not a property list/);
    expectPlistError(Buffer.alloc(0), /not a property list/);
    expectPlistError(Buffer.from('bplist01xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), /unsupported binary plist version/);
    expectPlistError(Buffer.from('<plist><dict><key>a</key><string>unterminated'), /XML plist/);
    expectPlistError(Buffer.from('<plist><dict><string>no key</string></dict></plist>'), /expected <key>/);
    expectPlistError(Buffer.from('<plist><integer>12abc</integer></plist>'), /bad integer/);
    expectPlistError(Buffer.from('<plist><integer>99999999999999999999</integer></plist>'), /too large/);
  });

  it('never crashes on any truncation of a real binary plist', () => {
    const full = fixture('sample.bplist');
    for (let n = 0; n < full.length; n += 13) {
      const cut = full.subarray(0, n);
      expect(() => parsePlist(cut)).toThrow(PlistError);
    }
  });

  it('survives bit flips in a real binary plist: a value or a one-line PlistError, nothing else', () => {
    const full = fixture('sample.bplist');
    for (let i = 8; i < full.length; i += 17) {
      const bad = Buffer.from(full);
      bad[i] ^= 0xa5;
      try {
        parsePlist(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(PlistError);
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('rejects a reference cycle', () => {
    // object 0: array of one element that is object 0 itself
    expectPlistError(bplist([Buffer.from([0xa1, 0x00])]), /cycle/);
  });

  it('does not expand shared references exponentially', () => {
    // 40 arrays, each holding the next one twice: 2^40 paths, 41 objects
    const objs: Buffer[] = [];
    for (let i = 0; i < 40; i++) objs.push(Buffer.from([0xa2, i + 1, i + 1]));
    objs.push(Buffer.from([0x51, 0x78])); // "x"
    const v = parsePlist(bplist(objs));
    let depth = 0;
    let cur: unknown = v;
    while (Array.isArray(cur)) {
      cur = cur[1];
      depth++;
    }
    expect(depth).toBe(40);
    expect(cur).toBe('x');
  });

  it('rejects nesting deeper than the limit', () => {
    const objs: Buffer[] = [];
    for (let i = 0; i < 100; i++) objs.push(Buffer.from([0xa1, i + 1]));
    objs.push(Buffer.from([0x08]));
    expectPlistError(bplist(objs), /nested deeper/);
    expectPlistError(Buffer.from('<plist>' + '<array>'.repeat(100) + '</array>'.repeat(100) + '</plist>'), /nested deeper/);
  });

  it('rejects trailers that point outside the file or claim absurd sizes', () => {
    const one = [Buffer.from([0x09])];
    expectPlistError(bplist(one, 0, { count: 1n << 40n }), /object count/);
    expectPlistError(bplist(one, 0, { top: 5n }), /top object/);
    expectPlistError(bplist(one, 0, { table: 1n << 50n }), /offset table/);
    expectPlistError(bplist(one, 0, { offsetSize: 0 }), /integer sizes/);
    // a string claiming more bytes than the file holds
    expectPlistError(bplist([Buffer.from([0x5f, 0x13, 0x7f, 0xff, 0xff, 0xff, 0x41])]), /runs past/);
    // a dictionary whose key is not a string
    expectPlistError(bplist([Buffer.from([0xd1, 0x01, 0x01]), Buffer.from([0x10, 0x05])]), /key is not a string/);
  });
});
