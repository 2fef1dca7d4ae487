import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogError, hintsFor, loadCatalog, parseCatalog } from '../../../../agent/catalog/load.ts';
import { ROOT } from '../../../helpers/paths.ts';

// The agent's catalog loader: the built-in catalog, a catalog file given at run time, and what happens
// to malformed or hostile catalog files (a CatalogError with one line, never anything else).

const root = ROOT;
const committedText = readFileSync(join(root, 'shared/catalog/catalog.json'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'ratwatch-catalog-load-'));

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function minimalTool(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'demo',
    name: 'Demo',
    category: 'remote-desktop',
    processes: { windows: ['demo.exe'], darwin: [], linux: ['demo'] },
    paths: [],
    bundleIds: [],
    packages: [],
    services: [],
    domains: [],
    ports: [5900],
    signers: [],
    teamIds: [],
    peOriginalFilenames: [],
    usb: [],
    displayNames: [],
    settings: [],
    banners: [],
    sources: ['ratwatch'],
    references: ['https://example.org'],
    ...over,
  };
}

function catalogText(tools: unknown[], over: Record<string, unknown> = {}): string {
  return JSON.stringify({ schema: 'ratwatch.catalog/1', generatedAt: '2026-11-22T00:00:00.000Z', sources: [], tools, ...over });
}

/** The error parseCatalog throws for `text`, checked to be a one-line CatalogError. */
function errorOf(text: string): string {
  try {
    parseCatalog(text, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogError);
    const msg = (e as Error).message;
    expect(msg).not.toMatch(/[\r\n]/);
    return msg;
  }
  throw new Error('parseCatalog accepted bad input');
}

describe('loadCatalog', () => {
  it('returns the built-in catalog, identical to the committed file', () => {
    const builtIn = loadCatalog();
    expect(builtIn.tools.length).toBeGreaterThanOrEqual(300);
    expect(builtIn).toEqual(parseCatalog(committedText, 'committed'));
    expect(builtIn.tools.find((t) => t.id === 'anydesk')?.processes.windows).toContain('anydesk.exe');
  });

  it('reads a catalog file given by path', () => {
    const file = join(tmp, 'small.json');
    writeFileSync(file, catalogText([minimalTool()]));
    const c = loadCatalog(file);
    expect(c.tools.map((t) => t.id)).toEqual(['demo']);
    expect(c.tools[0].ports).toEqual([5900]);
  });

  it('reports a missing file as a CatalogError', () => {
    const missing = join(tmp, 'missing.json');
    expect(() => loadCatalog(missing)).toThrow(CatalogError);
    expect(() => loadCatalog(missing)).toThrow(`catalog ${missing}: cannot read (ENOENT)`);
  });
});

describe('parseCatalog rejects bad input with one clear line', () => {
  it('not JSON, not an object, tools not a list', () => {
    expect(errorOf('{oops')).toMatch(/^catalog test\.json: not valid JSON \(/);
    expect(errorOf('[]')).toBe('catalog test.json: not a JSON object');
    expect(errorOf('"text"')).toBe('catalog test.json: not a JSON object');
    expect(errorOf('null')).toBe('catalog test.json: not a JSON object');
    expect(errorOf(catalogText([], { tools: {} }))).toBe('catalog test.json: tools must be a list');
    expect(errorOf(catalogText([], { schema: 'other/1' }))).toBe('catalog test.json: schema must be "ratwatch.catalog/1"');
  });

  it('names the exact field of a tool that has the wrong type', () => {
    const tools = [minimalTool({ id: 'a' }), minimalTool({ id: 'b', processes: { windows: [], darwin: [], linux: 'x11vnc' } })];
    expect(errorOf(catalogText(tools))).toBe('catalog test.json: tools[1].processes.linux must be a list of strings');
    expect(errorOf(catalogText([minimalTool({ packages: ['ok', 3] })]))).toBe(
      'catalog test.json: tools[0].packages must be a list of strings',
    );
    expect(errorOf(catalogText([minimalTool({ ports: [70000] })]))).toBe(
      'catalog test.json: tools[0].ports must be a list of port numbers 1-65535',
    );
    expect(errorOf(catalogText([minimalTool({ category: 'spyware' })]))).toMatch(
      /^catalog test\.json: tools\[0\]\.category must be one of remote-desktop, /,
    );
    expect(errorOf(catalogText([minimalTool({ usb: [{ vendorId: '1D6B', productId: '0104', strings: [] }] })]))).toBe(
      'catalog test.json: tools[0].usb[0].vendorId must be 4 lowercase hex digits',
    );
    expect(errorOf(catalogText([minimalTool({ settings: [{ key: 'rdp.enabled', equals: null }] })]))).toBe(
      'catalog test.json: tools[0].settings[0].equals must be a string, number or boolean',
    );
    expect(errorOf(catalogText([minimalTool(), minimalTool()]))).toBe('catalog test.json: tools[1].id "demo" appears twice');
    const noProcesses = minimalTool();
    delete noProcesses.processes;
    expect(errorOf(catalogText([noProcesses]))).toBe(
      'catalog test.json: tools[0].processes must be an object with windows, darwin and linux lists',
    );
  });

  it('never throws anything but a CatalogError, whatever the input', () => {
    const base = JSON.parse(committedText) as { tools: Record<string, unknown>[] };
    const junk: unknown[] = [null, 0, -1, 1e308, true, 'x', '', [], {}, [null], { __proto__: { polluted: true } }, [[['deep']]]];
    // A deterministic generator, so a failure reproduces.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const inputs: string[] = [
      '',
      ' ',
      '\uFEFF{}',
      '{"schema":"ratwatch.catalog/1"}',
      '{"__proto__":{"tools":[]}}',
      '['.repeat(100_000) + ']'.repeat(100_000), // nesting deep enough to exhaust a recursive parser
      `{"schema":"ratwatch.catalog/1","generatedAt":"x","sources":[],"tools":[${'{},'.repeat(1000)}{}]}`,
    ];
    for (let i = 0; i < 300; i++) {
      const tools = base.tools.slice(0, 3).map((t) => ({ ...t }));
      const victim = tools[next(tools.length)];
      const keys = Object.keys(victim);
      const key = keys[next(keys.length)];
      if (next(5) === 0) delete victim[key];
      else victim[key] = junk[next(junk.length)];
      const doc: Record<string, unknown> = { ...(JSON.parse(committedText) as object), tools };
      if (next(10) === 0) doc[['schema', 'generatedAt', 'sources', 'tools'][next(4)]] = junk[next(junk.length)];
      const text = JSON.stringify(doc);
      inputs.push(next(7) === 0 ? text.slice(0, next(text.length)) : text);
    }
    let rejected = 0;
    for (const text of inputs) {
      try {
        parseCatalog(text, 'fuzz');
      } catch (e) {
        expect(e).toBeInstanceOf(CatalogError);
        expect((e as Error).message).toMatch(/^catalog fuzz: [^\r\n]+$/);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(inputs.length / 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hintsFor', () => {
  it('lists the executable names the catalog knows for one OS, lowercase, sorted, unique', () => {
    const c = loadCatalog();
    const win = hintsFor(c, 'windows').executableNames;
    const linux = hintsFor(c, 'linux').executableNames;
    const mac = hintsFor(c, 'darwin').executableNames;
    expect(win).toEqual(expect.arrayContaining(['anydesk.exe', 'teamviewer.exe', 'remoting_host.exe', 'msra.exe']));
    expect(linux).toEqual(expect.arrayContaining(['x11vnc', 'anydesk', 'xrdp', 'tailscaled']));
    expect(mac).toEqual(expect.arrayContaining(['screensharingd', 'ardagent', 'anydesk']));
    expect(linux).not.toContain('screensharingd');
    expect(win.every((n) => !n.includes('/'))).toBe(true);
    for (const list of [win, linux, mac]) {
      expect(list.every((n, i) => n === n.toLowerCase() && (i === 0 || list[i - 1] < n))).toBe(true);
    }
  });
});
