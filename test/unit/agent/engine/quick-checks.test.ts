import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { catalogHosts, toolsForName, toolsForVariant } from '../../../../agent/engine/detect.ts';
import { catalogTokens, cmdTokens, indexCatalog, normName, normTitle, pathPattern } from '../../../../agent/engine/index-catalog.ts';
import { executableStem } from '../../../../agent/engine/names.ts';

// The engine refuses most inventory items on a cheap check before the lookup or regex that would refuse
// them too (CatalogIndex.quick). Each check must be exact: here every one is compared with the plain
// definition it stands in for, on inputs built from the catalog's own names, so that they do match.

const catalog = loadCatalog();
const ix = indexCatalog(catalog);

describe('command-line tokens that key a catalog fragment', () => {
  const keys = [...ix.byCmdToken.keys()];
  const plain = (cmd: string) => cmdTokens(cmd).filter((t) => ix.byCmdToken.has(t.token));

  it('are the tokens of cmdTokens that are keys, at the same offsets', () => {
    const piece = fc.oneof(
      fc.constantFrom(...keys),
      fc.constantFrom(' ', '-', '--', '/', '=', '.', '_', 'a', '9', 'x-', 'é', 'ω', '\t'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const cmd = parts.join('').toLowerCase();
        expect(catalogTokens(cmd, ix)).toEqual(plain(cmd));
      }),
      { numRuns: 5000 },
    );
  });

  it('finds keys glued to dashes and words only where a token starts', () => {
    for (const cmd of ['cloudflared tunnel run', 'x-cloudflared', '---ngrok', 'a--ngrok', '/usr/bin/lt --port 1', 'ngrok']) {
      expect(catalogTokens(cmd, ix), cmd).toEqual(plain(cmd));
    }
    expect(catalogTokens('/opt/ngrok/ngrok http 80', ix).map((t) => t.token)).toEqual(['ngrok', 'ngrok']);
  });
});

describe('host names under catalog domains', () => {
  // the definition without the pre-check: every host name of the command line, looked up with its parents
  const HOSTNAME = /[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+/g;
  const plain = (cmd: string) => {
    const out: { host: string; domains: string[] }[] = [];
    for (const host of new Set(cmd.match(HOSTNAME) ?? [])) {
      const domains: string[] = [];
      for (let d = host; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) if (ix.byDomain.has(d)) domains.push(d);
      if (domains.length) out.push({ host, domains });
    }
    return out;
  };
  const ours = (cmd: string) => catalogHosts(cmd, ix).map((h) => ({ host: h.host, domains: h.domains.map((d) => d.domain) }));
  const domains = [...ix.byDomain.keys()];

  it('are those every host name of the command line gives', () => {
    const piece = fc.oneof(
      fc.constantFrom(...domains),
      fc.constantFrom('.', '-', ' ', 'a', '0', 'relay.', 'x-', '.so', '.conf', '.internal', '--host=', 'a'.repeat(70)),
      fc.string({ maxLength: 3 }),
    );
    let hits = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (parts) => {
        const cmd = parts.join('').toLowerCase();
        const want = plain(cmd);
        hits += want.length;
        expect(ours(cmd)).toEqual(want);
      }),
      { numRuns: 5000 },
    );
    expect(hits).toBeGreaterThan(100); // the inputs did name catalog domains
  });

  it('sees a domain at the end, before a dash, and after a long label', () => {
    const d = domains[0]!;
    for (const cmd of [`ssh ${d}`, `x.${d}-`, `${'b'.repeat(80)}.${d}`, `${d}x`, `http://${d}:443/`]) {
      expect(ours(cmd), cmd).toEqual(plain(cmd));
    }
    expect(ours(`ssh -r 80:localhost:22 ${d}`)).toEqual([{ host: d, domains: [d] }]);
  });
});

describe('process names', () => {
  const names = [...new Set(catalog.tools.flatMap((t) => [...t.processes.windows, ...t.processes.darwin, ...t.processes.linux]))];

  it('cut by the kernel to 15 characters find every tool whose name starts so', () => {
    const plain = (raw: string) => {
      const n = normName(raw);
      return ix.processNames.filter((k) => k.startsWith(n)).flatMap((k) => ix.byProcess.get(k) ?? []);
    };
    const long = names.filter((n) => n.length >= 15);
    expect(long.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(fc.constantFrom(...long), fc.nat(3), (name, cut) => {
        const raw = `${name.slice(0, 15 - cut)}${'zzz'.slice(0, cut)}`;
        const want = ix.byProcess.get(normName(raw)) ?? plain(raw);
        expect(toolsForName(ix, raw, 'linux')).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('with build words find the tools the plain stem lookup finds', () => {
    const plain = (raw: string) => {
      const stem = executableStem(raw.slice(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1));
      return stem ? (ix.byProcess.get(stem) ?? []) : [];
    };
    const suffix = fc.constantFrom('', 'msi', '-x64', '3', '-1.2.3', '_setup', '.exe', 'MSI.exe', ' ', '-linux-amd64');
    let hits = 0;
    fc.assert(
      fc.property(fc.constantFrom(...names), suffix, fc.constantFrom('', '/opt/x/', 'C:\\Tools\\', ' '), (name, end, dir) => {
        const raw = `${dir}${name.replace(/\.(exe|app)$/, '')}${end}`;
        const want = plain(raw);
        hits += want.length;
        expect(toolsForVariant(ix, raw)).toEqual(want);
      }),
      { numRuns: 3000 },
    );
    expect(hits).toBeGreaterThan(100);
  });
});

describe('path patterns without a regex', () => {
  it('never let a wildcard span a line break, as "." in the regex does not', () => {
    const p = pathPattern('*/anydesk/*');
    expect(p.test('/opt/anydesk/x')).toBe(true);
    for (const s of ['/opt\n/anydesk/x', '/opt/anydesk/x\r', '\u2028/anydesk/', '/anydesk/\u2029'])
      expect(p.test(s), JSON.stringify(s)).toBe(false);
    expect(pathPattern('/usr/bin/x11vnc').test('/usr/bin/x11vnc\n')).toBe(false);
  });
});

describe('name normal forms', () => {
  it('skip the replacements that cannot apply and give what the whole chain gives', () => {
    const title = (s: string) =>
      s
        .toLowerCase()
        .replace(/\((x64|x86|64-bit|32-bit|per-user|machine-wide)\)/g, ' ')
        .replace(/\([0-9a-f]{8,}\)/g, ' ')
        .replace(/\bv?\d+(\.\d+)*\b/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
    const name = (s: string) =>
      s
        .trim()
        .toLowerCase()
        .replace(/\.(exe|app)$/, '');
    const piece = fc.constantFrom('TeamViewer', ' ', '15', 'v2.1', '(x64)', '(4b9e2f7a1c3d5e60)', '(', ')', '.EXE', '.app', 'Ä', '\t', 'x');
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 3 })), { maxLength: 8 }), (parts) => {
        const s = parts.join('');
        expect(normTitle(s)).toBe(title(s));
        expect(normName(s)).toBe(name(s));
      }),
      { numRuns: 3000 },
    );
  });
});
