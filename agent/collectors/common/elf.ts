// Reads the GNU build-id note of an ELF file from its first bytes. The build-id survives renaming and
// stays the same across copies of one build, so it ties a renamed binary to the package it came from.
// Input is whatever a file on a suspect host holds: every offset is checked against the buffer and the
// functions answer undefined rather than throw.
//
// Layout per the System V gABI (ELF header, program headers, note entries) and the GNU NT_GNU_BUILD_ID
// note (type 3, owner "GNU").

const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;
const MAX_PHNUM = 512; // real binaries have around a dozen; a larger count is garbage
const MAX_NOTES = 64;

interface ElfHeader {
  is64: boolean;
  le: boolean;
  phoff: number;
  phentsize: number;
  phnum: number;
}

interface NoteSegment {
  offset: number;
  size: number;
  align: number;
}

function readHeader(buf: Buffer): ElfHeader | undefined {
  if (buf.length < 52 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46) return undefined;
  const cls = buf[4];
  const data = buf[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const is64 = cls === 2;
  const le = data === 1;
  if (is64 && buf.length < 64) return undefined;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const phoff = is64 ? readU64(buf, 0x20, le) : le ? buf.readUInt32LE(0x1c) : buf.readUInt32BE(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  if (phoff === undefined || phnum === 0 || phnum > MAX_PHNUM) return undefined;
  if (phentsize < (is64 ? 56 : 32)) return undefined;
  return { is64, le, phoff, phentsize, phnum };
}

/** A 64-bit field as a safe integer, or undefined past 2^53 (no real offset is that large). */
function readU64(buf: Buffer, off: number, le: boolean): number | undefined {
  const v = le ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

function noteSegments(buf: Buffer, h: ElfHeader): NoteSegment[] {
  const out: NoteSegment[] = [];
  const u32 = (o: number) => (h.le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  for (let i = 0; i < h.phnum; i++) {
    const at = h.phoff + i * h.phentsize;
    if (at + h.phentsize > buf.length) break;
    if (u32(at) !== PT_NOTE) continue;
    const offset = h.is64 ? readU64(buf, at + 8, h.le) : u32(at + 4);
    const size = h.is64 ? readU64(buf, at + 0x20, h.le) : u32(at + 0x10);
    const align = h.is64 ? readU64(buf, at + 0x30, h.le) : u32(at + 0x1c);
    if (offset === undefined || size === undefined) continue;
    out.push({ offset, size, align: align === 8 ? 8 : 4 });
  }
  return out;
}

function buildIdIn(buf: Buffer, seg: NoteSegment, le: boolean): string | undefined {
  const end = Math.min(seg.offset + seg.size, buf.length);
  const pad = (n: number) => Math.ceil(n / seg.align) * seg.align;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  let p = seg.offset;
  for (let n = 0; n < MAX_NOTES && p + 12 <= end; n++) {
    const namesz = u32(p);
    const descsz = u32(p + 4);
    const type = u32(p + 8);
    const nameAt = p + 12;
    const descAt = nameAt + pad(namesz);
    const next = descAt + pad(descsz);
    if (next > end || next <= p) return undefined;
    const name = buf.subarray(nameAt, nameAt + namesz).toString('latin1');
    if (type === NT_GNU_BUILD_ID && name === 'GNU\0' && descsz >= 8 && descsz <= 64) {
      return buf.subarray(descAt, descAt + descsz).toString('hex');
    }
    p = next;
  }
  return undefined;
}

/** The GNU build-id as lowercase hex, or undefined (not ELF, no note, note beyond the buffer, garbage). */
export function elfBuildId(buf: Buffer): string | undefined {
  try {
    const h = readHeader(buf);
    if (!h) return undefined;
    for (const seg of noteSegments(buf, h)) {
      const id = buildIdIn(buf, seg, h.le);
      if (id) return id;
    }
  } catch {
    // a Buffer read past the end on a field not covered by the checks above: treat as garbage
  }
  return undefined;
}

/**
 * How many bytes from the start of the file cover the program headers and every note segment, so a
 * caller that read only the head of a file knows whether to read more. Undefined when not ELF.
 */
export function elfNotesEnd(buf: Buffer): number | undefined {
  try {
    const h = readHeader(buf);
    if (!h) return undefined;
    let end = h.phoff + h.phnum * h.phentsize;
    if (end > buf.length) return end;
    for (const seg of noteSegments(buf, h)) end = Math.max(end, seg.offset + seg.size);
    return end;
  } catch {
    return undefined;
  }
}
