import type { DeviceInfo } from '../../model.ts';

// EDID (VESA E-EDID 1.3/1.4 base block) is what a monitor, or anything pretending to be one, tells the
// computer about itself. IP-KVM boxes (PiKVM, TinyPilot...) capture HDMI and present their own EDID, so
// its manufacturer id and monitor name tell a KVM from a real screen. The blob comes from hardware or
// the registry and may be truncated or garbage: the parser never throws, it returns undefined.

export interface EdidInfo {
  /** Three-letter PNP id from bytes 8-9 ("DEL", "GSM", "LNX"); undefined when the bits are not letters. */
  manufacturer?: string | undefined;
  /** Product code, bytes 10-11 little-endian. */
  productCode: number;
  /** The product code as 4 lowercase hex digits, the way Windows spells it in "DEL A079". */
  productId: string;
  /** Serial number, bytes 12-15 little-endian; undefined when zero. */
  serialNumber?: number | undefined;
  /** Display product name descriptor (tag 0xFC), joined when a monitor splits it over several. */
  name?: string;
  /** Display product serial descriptor (tag 0xFF). */
  serialText?: string;
  /** Unspecified text descriptors (tag 0xFE): laptop panels put vendor and panel model here. */
  texts: string[];
  year?: number | undefined;
  version: string; // "1.3"
  checksumOk: boolean;
  extensions: number;
}

const HEADER = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
const DESCRIPTORS = [54, 72, 90, 108];

/** Decodes the packed EISA/PNP manufacturer id: three 5-bit letters, 1 = "A". */
export function decodePnpId(code: number): string | undefined {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) return undefined;
  const letters = [(code >> 10) & 0x1f, (code >> 5) & 0x1f, code & 0x1f];
  if (letters.some((l) => l < 1 || l > 26)) return undefined;
  return String.fromCharCode(...letters.map((l) => 0x40 + l));
}

// Descriptor text is 13 bytes, ended by 0x0A and padded with spaces. Some laptop panels put binary data
// in an "unspecified text" (0xFE) descriptor; only its printable ASCII runs are text (a lone character
// between binary bytes is noise), so a hostile or binary blob never puts control characters or '?' runs
// into a device name.
function descriptorText(b: Uint8Array): string {
  const runs: string[] = [];
  let cur = '';
  for (const c of b) {
    if (c === 0x0a || c === 0x00) break;
    if (c >= 0x20 && c < 0x7f) cur += String.fromCharCode(c);
    else {
      runs.push(cur);
      cur = '';
    }
  }
  runs.push(cur);
  const kept = runs.map((r) => r.trim()).filter((r, _i, all) => r.length >= 2 || (all.length === 1 && r.length > 0));
  return kept.join(' ').trim();
}

/** Parses the base block of an EDID; undefined when it is shorter than 128 bytes or lacks the header. */
export function parseEdid(buf: Uint8Array): EdidInfo | undefined {
  if (!buf || buf.length < 128) return undefined;
  for (let i = 0; i < HEADER.length; i++) if (buf[i] !== HEADER[i]) return undefined;
  const productCode = buf[10] | (buf[11] << 8);
  const serial = (buf[12] | (buf[13] << 8) | (buf[14] << 16) | (buf[15] << 24)) >>> 0;
  let sum = 0;
  for (let i = 0; i < 128; i++) sum = (sum + buf[i]) & 0xff;
  const info: EdidInfo = {
    manufacturer: decodePnpId((buf[8] << 8) | buf[9]),
    productCode,
    productId: productCode.toString(16).padStart(4, '0'),
    serialNumber: serial || undefined,
    texts: [],
    year: buf[17] > 0 && buf[17] < 0xff ? 1990 + buf[17] : undefined,
    version: `${buf[18]}.${buf[19]}`,
    checksumOk: sum === 0,
    extensions: buf[126],
  };
  const names: string[] = [];
  for (const off of DESCRIPTORS) {
    const d = buf.subarray(off, off + 18);
    // A display descriptor has a zero pixel clock (bytes 0-1) and a zero byte 2; byte 3 is its tag.
    if (d[0] !== 0 || d[1] !== 0 || d[2] !== 0) continue;
    const text = descriptorText(d.subarray(5, 18));
    if (!text) continue;
    if (d[3] === 0xfc) names.push(text);
    else if (d[3] === 0xff) info.serialText ??= text;
    else if (d[3] === 0xfe) info.texts.push(text);
  }
  if (names.length) info.name = names.join(' ');
  return info;
}

/** Parses hex as printed by xrandr, reg query (REG_BINARY), kvmd .hex files: whitespace, "0x" and ":" are ignored. */
export function parseEdidHex(hex: string): EdidInfo | undefined {
  const clean = hex.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (clean.length < 256 || clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) return undefined;
  return parseEdid(Buffer.from(clean, 'hex'));
}

/** The inventory record of one monitor (or capture device posing as one). */
export function edidDevice(info: EdidInfo, path: string): DeviceInfo {
  const dev: DeviceInfo = { bus: 'display', kind: 'display', productId: info.productId, path };
  if (info.manufacturer) dev.manufacturer = info.manufacturer;
  const name = info.name ?? (info.texts.length ? info.texts.join(' ') : undefined);
  if (name) dev.name = name;
  const serial = info.serialText ?? (info.serialNumber !== undefined ? String(info.serialNumber) : undefined);
  if (serial) dev.serial = serial;
  return dev;
}
