import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePnpId, edidDevice, parseEdid, parseEdidHex } from '../../../../../agent/collectors/common/edid.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';
import { pathToFileURL } from 'node:url';

// Real EDIDs (sources in each fixture's README.md): PiKVM V3, TinyPilot, Dell U2412M.
const FIX = pathToFileURL(`${FIXTURES}/`);
const blob = (rel: string) => readFileSync(new URL(rel, FIX));
const pikvm = blob('linux/displays-pikvm/files/sys/class/drm/card0-HDMI-A-1/edid');
const tinypilot = blob('linux/displays-tinypilot/files/sys/class/drm/card0-HDMI-A-1/edid');
const dell = blob('linux/displays-office/files/sys/class/drm/card1-DP-1/edid');

describe('parseEdid', () => {
  it('reads PiKVM V3: LNX, product 0x7771, name and serial descriptors', () => {
    expect(pikvm.length).toBe(256);
    const e = parseEdid(pikvm)!;
    expect(e).toMatchObject({
      manufacturer: 'LNX',
      productCode: 0x7771,
      productId: '7771',
      serialNumber: 0x01010101,
      name: 'PiKVM V3',
      serialText: 'CAFEBABE',
      year: 2016,
      version: '1.3',
      checksumOk: true,
      extensions: 1,
    });
  });

  it('reads TinyPilot: a Toshiba PNP id, so only the name gives it away', () => {
    const e = parseEdid(tinypilot)!;
    expect(e).toMatchObject({ manufacturer: 'TSB', productId: '9876', name: 'TinyPilot', checksumOk: true });
    expect(e.serialText).toBeUndefined();
  });

  it('reads a Dell U2412M', () => {
    const e = parseEdid(dell)!;
    expect(e).toMatchObject({
      manufacturer: 'DEL',
      productId: 'a079',
      name: 'DELL U2412M',
      serialText: 'YPPY077C30AU',
      extensions: 0,
      checksumOk: true,
    });
    expect(edidDevice(e, '/sys/class/drm/card1-DP-1/edid')).toEqual({
      bus: 'display',
      kind: 'display',
      manufacturer: 'DEL',
      productId: 'a079',
      name: 'DELL U2412M',
      serial: 'YPPY077C30AU',
      path: '/sys/class/drm/card1-DP-1/edid',
    });
  });

  it('accepts hex as kvmd .hex files and reg query print it', () => {
    const hex = pikvm
      .toString('hex')
      .toUpperCase()
      .replace(/(.{32})/g, '$1\n');
    expect(parseEdidHex(hex)?.name).toBe('PiKVM V3');
    expect(parseEdidHex(pikvm.toString('hex').replace(/(..)/g, '$1 '))?.manufacturer).toBe('LNX');
  });

  it('returns undefined for short, headerless or non-hex input instead of throwing', () => {
    expect(parseEdid(Buffer.alloc(0))).toBeUndefined();
    expect(parseEdid(pikvm.subarray(0, 127))).toBeUndefined();
    const noHeader = Buffer.from(pikvm);
    noHeader[0] = 0x01;
    expect(parseEdid(noHeader)).toBeUndefined();
    expect(parseEdidHex('zz'.repeat(128))).toBeUndefined();
    expect(parseEdidHex('00ff')).toBeUndefined();
  });

  it('survives random garbage behind a valid header and keeps descriptor text printable', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let round = 0; round < 200; round++) {
      const b = Buffer.alloc(128 + (round % 3) * 64);
      for (let i = 0; i < b.length; i++) b[i] = rnd();
      Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]).copy(b);
      if (round % 2) b.fill(0, 54, 57); // force descriptor 1 to be a text descriptor
      const e = parseEdid(b);
      expect(e).toBeDefined();
      for (const t of [e!.name, e!.serialText, ...e!.texts]) if (t) expect(t).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it('keeps only the printable runs of a text descriptor that carries binary bytes', () => {
    // a laptop panel's 0xFE descriptors: vendor text, then panel data mixing ASCII and binary, the kind
    // that came out as "XD570?154W02 (?NX??????" when every byte was kept
    const b = Buffer.from(dell);
    const desc = (off: number, tag: number, bytes: number[]) => {
      b.fill(0, off, off + 18);
      b[off + 3] = tag;
      Buffer.from(bytes).copy(b, off + 5);
    };
    const ascii = (t: string) => [...t].map((c) => c.charCodeAt(0));
    desc(72, 0xfe, [...ascii('XD570'), 0x8a, ...ascii('154W02 ('), 0x9c, 0x01, 0x4e, 0xff, 0xfe]);
    desc(90, 0xfe, [...ascii('AUO'), 0x0a, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]);
    const e = parseEdid(b)!;
    expect(e.texts).toEqual(['XD570 154W02', 'AUO']); // 13 text bytes: the '(' falls outside
    expect(e.texts.join('')).not.toContain('?');
  });

  it('flags a bad checksum without rejecting the block', () => {
    const b = Buffer.from(dell);
    b[20] ^= 0xff;
    expect(parseEdid(b)).toMatchObject({ checksumOk: false, name: 'DELL U2412M' });
  });
});

describe('decodePnpId', () => {
  it('decodes the packed three-letter id and rejects codes that are not letters', () => {
    expect(decodePnpId(0x10ac)).toBe('DEL');
    expect(decodePnpId(0x1e6d)).toBe('GSM');
    expect(decodePnpId(0x0610)).toBe('APP');
    expect(decodePnpId(0x31d8)).toBe('LNX');
    expect(decodePnpId(0)).toBeUndefined();
    expect(decodePnpId(0x7fff)).toBeUndefined();
    expect(decodePnpId(-1)).toBeUndefined();
  });
});
