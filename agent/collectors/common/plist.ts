// Property lists (macOS Info.plist, launchd jobs, preferences) in both of Apple's encodings: XML
// (PropertyList-1.0.dtd) and binary "bplist00" (described in CFBinaryPList.c). The files come from
// disk that an attacker may control, so the reader is pure, bounded in depth, object count and size,
// rejects reference cycles, and fails with a one-line PlistError instead of crashing or hanging.

export class PlistUid {
  constructor(readonly value: number) {}
}

export type PlistValue = null | boolean | number | string | Date | Buffer | PlistUid | PlistValue[] | PlistDict;

export interface PlistDict {
  [key: string]: PlistValue;
}

export class PlistError extends Error {
  constructor(message: string) {
    super(message.split('\n')[0]);
    this.name = 'PlistError';
  }
}

const MAX_DEPTH = 64;
const MAX_OBJECTS = 200_000;
const MAX_INPUT = 16 * 1024 * 1024;
const APPLE_EPOCH_MS = Date.UTC(2001, 0, 1);

/** Parses an XML or binary property list. Throws PlistError (one line) on anything else. */
export function parsePlist(buf: Buffer): PlistValue {
  if (buf.length > MAX_INPUT) throw new PlistError(`plist larger than ${MAX_INPUT} bytes`);
  if (buf.length >= 8 && buf.toString('latin1', 0, 6) === 'bplist') {
    const version = buf.toString('latin1', 6, 8);
    if (version !== '00') throw new PlistError(`unsupported binary plist version "${version}"`);
    return new BinaryReader(buf).parse();
  }
  return new XmlReader(decodeText(buf)).parse();
}

/** The top-level dictionary of a plist, or undefined when the file is something else. */
export function plistDict(v: PlistValue): PlistDict | undefined {
  return isDict(v) ? v : undefined;
}

export function isDict(v: PlistValue | undefined): v is PlistDict {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v) && !(v instanceof PlistUid)
  );
}

/** A string value of a dictionary, or undefined when absent or of another type. */
export function dictString(d: PlistDict, key: string): string | undefined {
  const v = Object.hasOwn(d, key) ? d[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

// Keys such as "__proto__" are data here, never a prototype change.
function setKey(d: PlistDict, key: string, value: PlistValue): void {
  Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
}

function decodeText(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const le = Buffer.from(buf.subarray(2, 2 + ((buf.length - 2) & ~1)));
    le.swap16();
    return le.toString('utf16le');
  }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  const s = buf.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

// ---------------------------------------------------------------------------------------------- binary

class BinaryReader {
  private readonly offsetSize: number;
  private readonly refSize: number;
  private readonly numObjects: number;
  private readonly topObject: number;
  private readonly tableOffset: number;
  private readonly dataEnd: number;
  private readonly done = new Map<number, PlistValue>();
  private readonly inProgress = new Set<number>();
  private visits = 0;

  constructor(private readonly buf: Buffer) {
    if (buf.length < 8 + 32 + 1) throw new PlistError('binary plist truncated (no trailer)');
    const t = buf.length - 32;
    this.offsetSize = buf[t + 6];
    this.refSize = buf[t + 7];
    const num = buf.readBigUInt64BE(t + 8);
    const top = buf.readBigUInt64BE(t + 16);
    const table = buf.readBigUInt64BE(t + 24);
    if (this.offsetSize < 1 || this.offsetSize > 8 || this.refSize < 1 || this.refSize > 8) {
      throw new PlistError('binary plist trailer has invalid integer sizes');
    }
    if (num < 1n || num > BigInt(MAX_OBJECTS)) throw new PlistError(`binary plist object count ${num} out of range`);
    if (top >= num) throw new PlistError('binary plist top object out of range');
    this.numObjects = Number(num);
    this.topObject = Number(top);
    if (table < 8n || table + num * BigInt(this.offsetSize) > BigInt(t)) {
      throw new PlistError('binary plist offset table out of range');
    }
    this.tableOffset = Number(table);
    this.dataEnd = this.tableOffset;
  }

  parse(): PlistValue {
    return this.object(this.topObject, 0);
  }

  private uint(pos: number, size: number): number {
    if (pos < 0 || pos + size > this.buf.length) throw new PlistError('binary plist read past end');
    if (size > 6) {
      let v = 0n;
      for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(this.buf[pos + i]);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PlistError('binary plist integer too large');
      return Number(v);
    }
    return this.buf.readUIntBE(pos, size);
  }

  private offsetOf(ref: number): number {
    if (ref < 0 || ref >= this.numObjects) throw new PlistError(`binary plist reference ${ref} out of range`);
    const off = this.uint(this.tableOffset + ref * this.offsetSize, this.offsetSize);
    if (off < 8 || off >= this.dataEnd) throw new PlistError(`binary plist object offset ${off} out of range`);
    return off;
  }

  private need(pos: number, len: number): void {
    if (len < 0 || pos + len > this.dataEnd) throw new PlistError('binary plist object runs past its data');
  }

  /** The element count of a container or string: low nibble, or a following int object when it is 0xF. */
  private count(pos: number, nibble: number): { n: number; start: number } {
    if (nibble !== 0xf) return { n: nibble, start: pos + 1 };
    this.need(pos + 1, 1);
    const marker = this.buf[pos + 1];
    if (marker >> 4 !== 0x1) throw new PlistError('binary plist length is not an integer');
    const size = 1 << (marker & 0xf);
    if (size > 8) throw new PlistError('binary plist length integer too wide');
    this.need(pos + 2, size);
    return { n: this.uint(pos + 2, size), start: pos + 2 + size };
  }

  private object(ref: number, depth: number): PlistValue {
    if (depth > MAX_DEPTH) throw new PlistError(`plist nested deeper than ${MAX_DEPTH}`);
    if (++this.visits > MAX_OBJECTS * 4) throw new PlistError('binary plist has too many references');
    const cached = this.done.get(ref);
    if (cached !== undefined) return cached;
    if (this.inProgress.has(ref)) throw new PlistError('binary plist contains a reference cycle');
    this.inProgress.add(ref);
    const v = this.decode(this.offsetOf(ref), depth);
    this.inProgress.delete(ref);
    this.done.set(ref, v);
    return v;
  }

  private decode(pos: number, depth: number): PlistValue {
    const b = this.buf;
    const marker = b[pos];
    const high = marker >> 4;
    const low = marker & 0xf;
    switch (high) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        if (marker === 0x00 || marker === 0x0f) return null;
        throw new PlistError(`binary plist unknown marker 0x${marker.toString(16)}`);
      case 0x1: {
        const size = 1 << low;
        if (size > 16) throw new PlistError('binary plist integer too wide');
        this.need(pos + 1, size);
        if (size === 16) return this.signed64(pos + 9); // 128-bit: only the low 64 bits can carry a value
        if (size === 8) return this.signed64(pos + 1);
        return this.uint(pos + 1, size);
      }
      case 0x2: {
        if (low === 2) {
          this.need(pos + 1, 4);
          return b.readFloatBE(pos + 1);
        }
        if (low === 3) {
          this.need(pos + 1, 8);
          return b.readDoubleBE(pos + 1);
        }
        throw new PlistError('binary plist real of unsupported width');
      }
      case 0x3: {
        if (marker !== 0x33) throw new PlistError('binary plist date of unsupported width');
        this.need(pos + 1, 8);
        const d = new Date(APPLE_EPOCH_MS + b.readDoubleBE(pos + 1) * 1000);
        if (Number.isNaN(d.getTime())) throw new PlistError('binary plist date out of range');
        return d;
      }
      case 0x4: {
        const { n, start } = this.count(pos, low);
        this.need(start, n);
        return Buffer.from(b.subarray(start, start + n));
      }
      case 0x5: {
        const { n, start } = this.count(pos, low);
        this.need(start, n);
        return b.toString('latin1', start, start + n);
      }
      case 0x6: {
        const { n, start } = this.count(pos, low);
        this.need(start, n * 2);
        const le = Buffer.from(b.subarray(start, start + n * 2));
        le.swap16();
        return le.toString('utf16le');
      }
      case 0x7: {
        const { n, start } = this.count(pos, low);
        this.need(start, n);
        return b.toString('utf8', start, start + n);
      }
      case 0x8: {
        this.need(pos + 1, low + 1);
        if (low + 1 > 6) throw new PlistError('binary plist UID too wide');
        return new PlistUid(this.uint(pos + 1, low + 1));
      }
      case 0xa:
      case 0xc: {
        const { n, start } = this.count(pos, low);
        if (n > this.numObjects) throw new PlistError('binary plist array longer than the object table');
        this.need(start, n * this.refSize);
        const out: PlistValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.object(this.uint(start + i * this.refSize, this.refSize), depth + 1));
        return out;
      }
      case 0xd: {
        const { n, start } = this.count(pos, low);
        if (n > this.numObjects) throw new PlistError('binary plist dictionary larger than the object table');
        this.need(start, 2 * n * this.refSize);
        const out: PlistDict = {};
        for (let i = 0; i < n; i++) {
          const key = this.object(this.uint(start + i * this.refSize, this.refSize), depth + 1);
          if (typeof key !== 'string') throw new PlistError('binary plist dictionary key is not a string');
          const value = this.object(this.uint(start + (n + i) * this.refSize, this.refSize), depth + 1);
          setKey(out, key, value);
        }
        return out;
      }
      default:
        throw new PlistError(`binary plist unknown marker 0x${marker.toString(16)}`);
    }
  }

  private signed64(pos: number): number {
    const v = this.buf.readBigInt64BE(pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new PlistError('binary plist integer too large');
    }
    return Number(v);
  }
}

// ------------------------------------------------------------------------------------------------- XML

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class XmlReader {
  private pos = 0;
  private elements = 0;

  constructor(private readonly s: string) {}

  parse(): PlistValue {
    this.skipMisc();
    if (this.pos >= this.s.length || this.s[this.pos] !== '<') throw new PlistError('not a property list (no XML or bplist header)');
    const tag = this.openTag();
    let value: PlistValue;
    if (tag.name === 'plist') {
      // <plist version="1.0"/> and <plist version="1.0"></plist> are valid (the DTD makes the value optional):
      // a document with no value, read as null
      if (tag.selfClosing) return null;
      this.skipMisc();
      if (this.s.startsWith('</plist', this.pos)) {
        this.closeTag('plist');
        return null;
      }
      value = this.value(0);
      this.skipMisc();
      this.closeTag('plist');
    } else {
      value = this.valueFromTag(tag, 0);
    }
    return value;
  }

  private fail(what: string): never {
    throw new PlistError(`XML plist: ${what} at offset ${this.pos}`);
  }

  /** Skips whitespace, the XML declaration, DOCTYPE and comments. */
  private skipMisc(): void {
    const s = this.s;
    for (;;) {
      while (this.pos < s.length && /\s/.test(s[this.pos])) this.pos++;
      if (s.startsWith('<?', this.pos)) this.skipPast('?>');
      else if (s.startsWith('<!--', this.pos)) this.skipPast('-->');
      else if (s.startsWith('<!DOCTYPE', this.pos) || s.startsWith('<!doctype', this.pos)) this.skipPast('>');
      else return;
    }
  }

  private skipPast(end: string): void {
    const i = this.s.indexOf(end, this.pos);
    if (i < 0) this.fail(`unterminated "${this.s.slice(this.pos, this.pos + 4)}"`);
    this.pos = i + end.length;
  }

  private openTag(): { name: string; selfClosing: boolean } {
    const s = this.s;
    if (s[this.pos] !== '<') this.fail('expected an element');
    const end = s.indexOf('>', this.pos);
    if (end < 0) this.fail('unterminated tag');
    let inner = s.slice(this.pos + 1, end);
    this.pos = end + 1;
    const selfClosing = inner.endsWith('/');
    if (selfClosing) inner = inner.slice(0, -1);
    const name = inner.trim().split(/\s+/)[0] ?? '';
    if (!/^[A-Za-z][\w.-]*$/.test(name)) this.fail(`bad element name "${name.slice(0, 20)}"`);
    if (++this.elements > MAX_OBJECTS) this.fail('too many elements');
    return { name, selfClosing };
  }

  private closeTag(name: string): void {
    this.skipMisc();
    const want = `</${name}`;
    if (!this.s.startsWith(want, this.pos)) this.fail(`expected </${name}>`);
    const end = this.s.indexOf('>', this.pos);
    if (end < 0 || this.s.slice(this.pos + want.length, end).trim() !== '') this.fail(`malformed </${name}>`);
    this.pos = end + 1;
  }

  private value(depth: number): PlistValue {
    this.skipMisc();
    return this.valueFromTag(this.openTag(), depth);
  }

  private valueFromTag(tag: { name: string; selfClosing: boolean }, depth: number): PlistValue {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
    const { name, selfClosing } = tag;
    switch (name) {
      case 'true':
      case 'false':
        if (!selfClosing) this.closeTag(name);
        return name === 'true';
      case 'dict':
        return selfClosing ? {} : this.dict(depth);
      case 'array':
        return selfClosing ? [] : this.array(depth);
      case 'string':
      case 'key':
        return selfClosing ? '' : this.text(name);
      case 'integer': {
        const t = selfClosing ? '' : this.text(name).trim();
        if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(t)) this.fail(`bad integer "${t.slice(0, 30)}"`);
        const neg = t.startsWith('-');
        const digits = t.replace(/^[+-]/, '');
        const v = digits.startsWith('0x') ? parseInt(digits.slice(2), 16) : Number(digits);
        if (!Number.isSafeInteger(v)) this.fail('integer too large');
        return neg ? -v : v;
      }
      case 'real': {
        const t = selfClosing ? '' : this.text(name).trim();
        const v =
          t === 'nan' ? NaN : t === '+infinity' || t === 'inf' ? Infinity : t === '-infinity' || t === '-inf' ? -Infinity : Number(t);
        if (t === '' || (Number.isNaN(v) && t !== 'nan')) this.fail(`bad real "${t.slice(0, 30)}"`);
        return v;
      }
      case 'date': {
        const t = selfClosing ? '' : this.text(name).trim();
        const d = new Date(t);
        if (!t || Number.isNaN(d.getTime())) this.fail(`bad date "${t.slice(0, 30)}"`);
        return d;
      }
      case 'data': {
        const t = selfClosing ? '' : this.text(name).replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) this.fail('bad base64 data');
        return Buffer.from(t, 'base64');
      }
      default:
        this.fail(`unexpected <${name}>`);
    }
  }

  private dict(depth: number): PlistDict {
    const out: PlistDict = {};
    for (;;) {
      this.skipMisc();
      if (this.s.startsWith('</', this.pos)) {
        this.closeTag('dict');
        return out;
      }
      const k = this.openTag();
      if (k.name !== 'key') this.fail(`expected <key> in <dict>, got <${k.name}>`);
      const key = k.selfClosing ? '' : this.text('key');
      setKey(out, key, this.value(depth + 1));
    }
  }

  private array(depth: number): PlistValue[] {
    const out: PlistValue[] = [];
    for (;;) {
      this.skipMisc();
      if (this.s.startsWith('</', this.pos)) {
        this.closeTag('array');
        return out;
      }
      out.push(this.value(depth + 1));
    }
  }

  /** Character data up to </name>, with entities and CDATA sections resolved. */
  private text(name: string): string {
    const s = this.s;
    let out = '';
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`unterminated <${name}>`);
      out += this.unescape(s.slice(this.pos, lt));
      this.pos = lt;
      if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt);
        if (end < 0) this.fail('unterminated CDATA');
        out += s.slice(lt + 9, end);
        this.pos = end + 3;
        continue;
      }
      if (s.startsWith('<!--', lt)) {
        this.skipPast('-->');
        continue;
      }
      this.closeTag(name);
      return out;
    }
  }

  private unescape(t: string): string {
    return t.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-z]{2,4});/g, (m, e: string) => {
      if (e.startsWith('#')) {
        const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
      }
      return ENTITIES[e] ?? m;
    });
  }
}
